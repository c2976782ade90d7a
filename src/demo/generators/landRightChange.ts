import type { DemoGenerator } from './types.js';

/** 重点监管单位用地变更: every event is on the land of a key supervised unit. */
export const landRightChangeRows: DemoGenerator = (world, dataset) =>
  world.landRightEvents.map((event) => ({
    publisher: dataset.owner,
    parcelCode: event.parcelCode,
    eventNo: event.eventNo,
    creditCode: event.unit.creditCode,
    enterpriseName: event.unit.name,
    district: event.unit.site.district.code,
    changeType: event.changeType,
    effectiveOn: event.effectiveOn,
    newUse: event.newUse,
    boundary: event.boundary,
  }));
