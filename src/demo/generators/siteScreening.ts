import type { DemoGenerator } from './types.js';

/** 关停企业原址用地筛查台账: published by the ecology bureau or the enterprise's district. */
export const siteScreeningRows: DemoGenerator = (world) =>
  world.screenings.map((screening) => ({
    publisher: screening.publisher,
    creditCode: screening.firm.creditCode,
    enterpriseName: screening.firm.name,
    district: screening.firm.site.district.code,
    riskLevel: screening.riskLevel,
    screenedOn: screening.screenedOn,
    followUp: screening.followUp,
  }));
