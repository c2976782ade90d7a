import { lonLatInTown, plotAround } from '../geography.js';
import { demoFaker, floatBetween } from '../random.js';
import type { DemoGenerator } from './types.js';

/**
 * 施工许可证: most on rezoned plots, linked by parcel code, with the plot's boundary; the others (new
 * factories, warehouses) on a plot drawn in the town of their address, sized by floor area.
 */
export const constructionPermitRows: DemoGenerator = (world, dataset) => {
  // A stream of its own for the drawn plots: the permits' other columns come from the world.
  const f = demoFaker(`${dataset.name}:boundary`);
  return world.permits.map((permit) => {
    const { district } = permit;
    const town =
      district.towns.find((t) => permit.address.includes(t)) ?? f.helpers.arrayElement(district.towns);
    const siteM2 = permit.floorAreaM2 / floatBetween(f, 0.8, 2);
    const boundary =
      permit.plot?.boundary ?? plotAround(f, lonLatInTown(f, district, town), Math.sqrt(siteM2 / Math.PI));
    return {
      publisher: dataset.owner,
      permitNo: permit.permitNo,
      projectName: permit.projectName,
      parcelCode: permit.parcelCode,
      district: district.code,
      address: permit.address,
      boundary,
      builder: permit.builder.name,
      builderCreditCode: permit.builder.creditCode,
      issuedOn: permit.issuedOn,
      floorAreaM2: permit.floorAreaM2,
      contactPerson: permit.contactPerson,
      contactPhone: permit.contactPhone,
    };
  });
};
