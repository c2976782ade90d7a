import type { DemoGenerator } from './types.js';

/** 建设用地土壤污染风险管控和修复名录. */
export const contaminatedSiteRows: DemoGenerator = (world, dataset) =>
  world.registerSites.map((site) => ({
    publisher: dataset.owner,
    siteCode: site.siteCode,
    name: site.name,
    district: site.district.code,
    boundary: site.boundary,
    areaM2: site.areaM2,
    pollutants: site.pollutants,
    status: site.status,
    listedOn: site.listedOn,
    removedOn: site.removedOn,
    plannedUse: site.plannedUse,
  }));
