import type { DemoGenerator } from './types.js';

/** 优先监管地块: one or two plots per high-risk screening, linked back by the firm's credit code. */
export const priorityPlotRows: DemoGenerator = (world) =>
  world.priorityPlots.map((plot) => ({
    publisher: plot.publisher,
    plotCode: plot.plotCode,
    sourceCreditCode: plot.screening.firm.creditCode,
    name: plot.name,
    district: plot.district.code,
    boundary: plot.boundary,
    reason: plot.reason,
    listedOn: plot.listedOn,
    investigationStatus: plot.status,
  }));
