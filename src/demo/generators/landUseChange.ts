import type { DemoGenerator } from './types.js';

/** 用途变更为"一住两公"地块. */
export const landUseChangeRows: DemoGenerator = (world, dataset) =>
  world.rezonings.map((plot) => ({
    publisher: dataset.owner,
    parcelCode: plot.parcelCode,
    district: plot.district.code,
    address: plot.address,
    boundary: plot.boundary,
    areaM2: plot.areaM2,
    originalUse: plot.originalUse,
    plannedUse: plot.plannedUse,
    planningPermitNo: plot.planningPermitNo,
    permitDate: plot.permitDate,
    rightHolder: plot.rightHolder,
    rightHolderContact: plot.rightHolderContact,
  }));
