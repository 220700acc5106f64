/**
 * ECharts, drawn as SVG, with its accessibility description on: ECharts writes what the chart shows
 * (its title, each series and every point) into the container's aria-label, which screen readers
 * read and the browser tests count points from.
 */
import { useEffect, useRef } from 'react';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

export const CHART_COLORS = ['#1f5fa8', '#d9822b', '#2e8540', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d'];

export function Chart({
  title,
  option,
  height = 260,
  categoryDimension,
}: {
  title: string;
  option: EChartsCoreOption;
  height?: number;
  /** The category axis's dimension of each point (0 for x, 1 for y): left out of the description. */
  categoryDimension?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const dom = box.current;
    if (!dom) return;
    const instance = echarts.init(dom, null, { renderer: 'svg' });
    chart.current = instance;
    const resized = new ResizeObserver(() => instance.resize());
    resized.observe(dom);
    return () => {
      resized.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        color: CHART_COLORS,
        animation: false,
        title: { text: title, show: false },
        // Every point in the description (ECharts lists 10 per series by default).
        aria: {
          enabled: true,
          label: {
            data: {
              maxCount: 400,
              withName: '{name}: {value}',
              separator: { middle: '; ', end: '. ' },
              // A point on a category axis carries its index too; the description names it already.
              excludeDimensionId: categoryDimension === undefined ? [] : [categoryDimension],
            },
            series: { maxCount: 20 },
          },
        },
        ...option,
      },
      { notMerge: true },
    );
  }, [title, option, categoryDimension]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" style={{ height }} />
    </figure>
  );
}
