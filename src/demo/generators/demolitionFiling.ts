import { addDays, chance, DEMO_TODAY, dateBetween, demoFaker, minDate, pad } from '../random.js';
import { Sequences } from '../sequences.js';
import type { DemoGenerator, DemoRow } from './types.js';

/**
 * 拆除活动污染防治方案备案: working units file before demolishing old facilities during upgrades (several over
 * the years); units that closed file before clearing the site, except some, which is what KEY_UNIT_CLOSED
 * finds (a closed key unit without a filing or a screening entry).
 */
export const demolitionFilingRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  const file = (unit: (typeof world.keyUnits)[number], filedOn: string) => {
    const district = unit.site.district;
    const year = filedOn.slice(0, 4);
    const from = minDate(addDays(filedOn, f.number.int({ min: 10, max: 60 })), DEMO_TODAY);
    const to = minDate(addDays(from, f.number.int({ min: 20, max: 180 })), DEMO_TODAY);
    rows.push({
      publisher: chance(f, 0.6) ? district.code : dataset.owner,
      creditCode: unit.creditCode,
      filingNo: `CCBA-${district.code}-${year}-${pad(seq.next(`${district.code}-${year}`), 3)}`,
      filedOn,
      demolitionFrom: from,
      demolitionTo: to < DEMO_TODAY || chance(f, 0.5) ? to : null,
      district: district.code,
    });
  };
  for (const unit of world.keyUnits) {
    // A closed unit without a closure filing has none at all: the clear case for KEY_UNIT_CLOSED.
    const closureFiling = unit.closed ? chance(f, 0.6) : false;
    if (unit.closed && !closureFiling) continue;
    const first = `${unit.years[0]}-01-01`;
    const last = unit.closed ? addDays(unit.closed.closedOn, -30) : addDays(DEMO_TODAY, -15);
    const upgrades = f.number.int({ min: 2, max: 8 });
    for (let i = 0; i < upgrades && first < last; i++) file(unit, dateBetween(f, first, last));
    if (unit.closed) {
      const closedOn = unit.closed.closedOn;
      file(
        unit,
        dateBetween(f, addDays(closedOn, 5), minDate(addDays(closedOn, 150), addDays(DEMO_TODAY, -5))),
      );
    }
  }
  return rows;
};
