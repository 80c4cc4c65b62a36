// The two charts of one run: loss and reward (two axes), and train/dev accuracy, with a
// smoothing control for the noisy loss and reward curves (accuracies are drawn as measured).
import type { MetricSeries } from '../src/protocol/panelMessages';
import { LineChart } from './chart';
import { el } from './dom';
import { SMOOTHING_WEIGHTS, smoothSeries } from './smoothing';

/** The last smoothing chosen: charts opened later start with it. */
let chosenSmoothing = 0;

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

  private smoothing = chosenSmoothing;
  private last: MetricSeries | undefined;

  constructor() {
    const select = el(
      'vscode-single-select',
      { 'aria-label': 'Smoothing of loss and reward' },
      SMOOTHING_WEIGHTS.map((w) => el('vscode-option', w === this.smoothing ? { value: String(w), selected: '' } : { value: String(w) }, [w === 0 ? 'off' : String(w)])),
    );
    select.addEventListener('change', () => {
      this.smoothing = Number((select as HTMLElement & { value: string }).value) || 0;
      chosenSmoothing = this.smoothing;
      if (this.last) this.update(this.last);
    });
    const controls = el('div', { class: 'chart-controls' }, [el('label', { class: 'inline' }, ['Smoothing ', select])]);
    this.element = el('div', { class: 'run-charts' }, [controls, el('div', { class: 'chart-pair' }, [this.lossReward.element, this.accuracy.element])]);
  }

  update(series: MetricSeries): void {
    this.last = series;
    this.lossReward.setColumns(series.step, [smoothSeries(series.loss, this.smoothing), smoothSeries(series.reward, this.smoothing)]);
    this.accuracy.setColumns(series.step, [series.train_acc, series.dev_acc]);
  }

  destroy(): void {
    this.lossReward.destroy();
    this.accuracy.destroy();
  }
}
