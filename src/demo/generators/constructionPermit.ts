import type { DemoGenerator } from './types.js';

/** 施工许可证: most on rezoned plots, linked by parcel code. */
export const constructionPermitRows: DemoGenerator = (world, dataset) =>
  world.permits.map((permit) => ({
    publisher: dataset.owner,
    permitNo: permit.permitNo,
    projectName: permit.projectName,
    parcelCode: permit.parcelCode,
    district: permit.district.code,
    address: permit.address,
    builder: permit.builder.name,
    builderCreditCode: permit.builder.creditCode,
    issuedOn: permit.issuedOn,
    floorAreaM2: permit.floorAreaM2,
    contactPerson: permit.contactPerson,
    contactPhone: permit.contactPhone,
  }));
