// The two charts of one run: loss and reward (two axes), and train/dev accuracy.
import type { MetricSeries } from '../src/protocol/panelMessages';
import { LineChart } from './chart';
import { el } from './dom';

export class RunCharts {
  readonly element: HTMLElement;
  readonly lossReward = new LineChart('Loss and reward', [
    { label: 'loss', colorVar: 'vscode-charts-red', scale: 'y' },
    { label: 'reward', colorVar: 'vscode-charts-blue', scale: 'y2' },
  ]);
  readonly accuracy = new LineChart('Accuracy', [
    { label: 'train acc', colorVar: 'vscode-charts-green', percent: true },
    { label: 'dev acc', colorVar: 'vscode-charts-orange', percent: true },
  ]);

  constructor() {
    this.element = el('div', { class: 'chart-pair' }, [this.lossReward.element, this.accuracy.element]);
  }

  update(series: MetricSeries): void {
    this.lossReward.setColumns(series.step, [series.loss, series.reward]);
    this.accuracy.setColumns(series.step, [series.train_acc, series.dev_acc]);
  }

  destroy(): void {
    this.lossReward.destroy();
    this.accuracy.destroy();
  }
}
