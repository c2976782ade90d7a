/**
 * Apache ECharts, only the parts the dashboard draws (bars, lines, their axes, tooltips, legends and
 * target lines) on canvas: echarts/core keeps the bundle to what is used.
 */
import { BarChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

const charts: echarts.ECharts[] = [];
window.addEventListener('resize', () => {
  for (const chart of charts) chart.resize();
});

/** Draws a chart into an element (kept for resizing); returns it. */
export function chart(element: HTMLElement, option: ChartOption): echarts.ECharts {
  const instance = echarts.init(element, undefined, { renderer: 'canvas' });
  instance.setOption({
    animation: false,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    ...option,
  });
  charts.push(instance);
  return instance;
}
