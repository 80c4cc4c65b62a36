// A line chart (uPlot) themed with VS Code's chart colours. Data is downsampled before drawing, so
// a 20,000-step run draws ~2,000 points; `setColumns` can be called once per animation frame.
import uPlot from 'uplot';
import { el } from './dom';
import { downsampleMinMax } from './downsample';

export const MAX_CHART_POINTS = 2000;

export interface SeriesDef {
  label: string;
  /** A VS Code theme colour variable name without the leading "--", e.g. "vscode-charts-blue". */
  colorVar: string;
  /** Which y scale: 'y' (left axis) or 'y2' (right axis). */
  scale?: 'y' | 'y2';
  percent?: boolean;
}

const FALLBACK: Record<string, string> = {
  'vscode-charts-blue': '#3794ff',
  'vscode-charts-red': '#f14c4c',
  'vscode-charts-green': '#89d185',
  'vscode-charts-orange': '#d18616',
  'vscode-charts-purple': '#b180d7',
  'vscode-charts-yellow': '#cca700',
  'vscode-foreground': '#cccccc',
  'vscode-editorWidget-border': '#454545',
};

export const PALETTE = ['vscode-charts-blue', 'vscode-charts-orange', 'vscode-charts-green', 'vscode-charts-purple', 'vscode-charts-red', 'vscode-charts-yellow'];

export function themeColor(name: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(`--${name}`).trim();
  return value || FALLBACK[name] || '#888888';
}

/** Charts on screen, redrawn with the new colours when VS Code switches theme (body class). */
const liveCharts = new Set<LineChart>();
let themeObserver: MutationObserver | undefined;

function watchTheme(): void {
  if (themeObserver || typeof MutationObserver === 'undefined') return;
  themeObserver = new MutationObserver(() => {
    for (const chart of liveCharts) chart.restyle();
  });
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

export class LineChart {
  readonly element: HTMLElement;
  private lastData: uPlot.AlignedData | undefined;
  private plot: uPlot | undefined;
  private readonly plotHost: HTMLElement;
  private readonly resizeObserver: ResizeObserver;
  /** Points drawn at the last setColumns (after downsampling), for the benchmark and tests. */
  drawnPoints = 0;

  constructor(
    title: string,
    private readonly defs: SeriesDef[],
    private readonly height = 220,
  ) {
    this.plotHost = el('div', { class: 'chart-plot' });
    this.element = el('figure', { class: 'chart', role: 'group', 'aria-label': title }, [el('figcaption', {}, [title]), this.plotHost]);
    this.resizeObserver = new ResizeObserver(() => this.fitWidth());
    this.resizeObserver.observe(this.plotHost);
    liveCharts.add(this);
    watchTheme();
  }

  /** Draws columns (x = steps). Downsampled to MAX_CHART_POINTS; creates the plot on first use. */
  setColumns(x: readonly number[], ys: ReadonlyArray<ReadonlyArray<number | null>>): void {
    const sampled = downsampleMinMax({ x, ys }, MAX_CHART_POINTS);
    this.drawnPoints = sampled.x.length;
    const data = [sampled.x, ...sampled.ys] as uPlot.AlignedData;
    this.lastData = data;
    if (!this.plot) this.plot = new uPlot(this.options(), data, this.plotHost);
    else this.plot.setData(data);
  }

  /** Rebuilds the plot so it picks up the current theme colours. */
  restyle(): void {
    if (!this.plot || !this.lastData) return;
    this.plot.destroy();
    this.plot = new uPlot(this.options(), this.lastData, this.plotHost);
  }

  destroy(): void {
    liveCharts.delete(this);
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  private width(): number {
    return Math.max(240, Math.floor(this.plotHost.clientWidth || this.element.clientWidth || 600));
  }

  private fitWidth(): void {
    if (!this.plot) return;
    const width = this.width();
    if (Math.abs(width - this.plot.width) > 2) this.plot.setSize({ width, height: this.height });
  }

  private options(): uPlot.Options {
    const fg = themeColor('vscode-foreground');
    const grid = themeColor('vscode-editorWidget-border');
    const usesY2 = this.defs.some((d) => d.scale === 'y2');
    const axis = (scale: string, side: 0 | 1 | 2 | 3, percent: boolean): uPlot.Axis => ({
      scale,
      side,
      stroke: fg,
      grid: { show: side !== 1, stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      values: percent ? (_u, splits) => splits.map((v) => `${Math.round(v * 100)}%`) : undefined,
      size: 56,
    });
    const axes: uPlot.Axis[] = [
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      axis('y', 3, this.defs.filter((d) => (d.scale ?? 'y') === 'y').every((d) => d.percent)),
    ];
    if (usesY2) axes.push(axis('y2', 1, this.defs.filter((d) => d.scale === 'y2').every((d) => d.percent)));
    return {
      width: this.width(),
      height: this.height,
      scales: { x: { time: false } },
      axes,
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      series: [
        { label: 'step' },
        ...this.defs.map(
          (d): uPlot.Series => ({
            label: d.label,
            scale: d.scale ?? 'y',
            stroke: themeColor(d.colorVar),
            width: 1.5,
            spanGaps: true,
            points: { show: false },
            value: d.percent ? (_u, v) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`) : undefined,
          }),
        ),
      ],
    };
  }
}
