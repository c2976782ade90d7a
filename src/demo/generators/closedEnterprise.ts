import { pointAt } from '../geography.js';
import type { DemoGenerator } from './types.js';

/** 关停退出企业: every closed firm of the world, published by the economy bureau. */
export const closedEnterpriseRows: DemoGenerator = (world, dataset) =>
  world.closedFirms.map((firm) => ({
    publisher: dataset.owner,
    creditCode: firm.creditCode,
    name: firm.name,
    industryCode: firm.industry.code,
    industryName: firm.industry.name,
    district: firm.site.district.code,
    address: firm.site.address,
    siteLocation: pointAt(firm.site.centre),
    siteBoundary: firm.site.boundary ?? null,
    closedOn: firm.closedOn,
    closureType: firm.closureType,
    dischargePermitRevoked: firm.dischargePermitRevoked,
    legalRepresentative: firm.legalRepresentative,
    legalRepresentativePhone: firm.phone,
  }));
