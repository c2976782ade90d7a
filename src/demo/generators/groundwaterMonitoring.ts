import { groundwaterClassOf, groundwaterResults } from '../analytes.js';
import { type DemoDistrict, interiorPoint, offsetMetres, pointAt } from '../geography.js';
import { addDays, chance, DEMO_TODAY, dateBetween, demoFaker, floatBetween, pad } from '../random.js';
import { Sequences } from '../sequences.js';
import type { DemoGenerator, DemoRow } from './types.js';

interface Well {
  district: DemoDistrict;
  location: [number, number];
  siteCode: string | null;
  creditCode: string | null;
  polluted: boolean;
  depthM: number;
  /** The first sampling half-year (2023-1 … 2025-2). */
  firstHalf: number;
}

/** 地下水环境监测: wells downstream of register sites and key units, sampled in the dry and the wet season. */
export const groundwaterMonitoringRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const wells: Well[] = [];
  const firstHalf = () => f.number.int({ min: 0, max: 5 });
  for (const site of world.registerSites) {
    if (!chance(f, 0.3)) continue;
    const centre = interiorPoint(site.boundary);
    if (!centre) continue;
    wells.push({
      district: site.district,
      location: offsetMetres(centre, floatBetween(f, -150, 150, 0), floatBetween(f, -150, -30, 0)),
      siteCode: site.siteCode,
      // The site of a closed key unit: the well watches both.
      creditCode: site.plot?.screening.firm.keyUnit?.creditCode ?? null,
      polluted: site.status === 'LISTED' ? chance(f, 0.45) : chance(f, 0.08),
      depthM: floatBetween(f, 15, 60, 1),
      firstHalf: firstHalf(),
    });
  }
  for (const unit of world.keyUnits) {
    if (!chance(f, 0.35)) continue;
    wells.push({
      district: unit.site.district,
      location: offsetMetres(unit.site.centre, floatBetween(f, -200, 200, 0), -(unit.site.radiusM + 40)),
      siteCode: null,
      creditCode: unit.creditCode,
      polluted: chance(f, 0.12),
      depthM: floatBetween(f, 15, 80, 1),
      firstHalf: firstHalf(),
    });
  }
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  for (const well of wells) {
    const wellCode = `DXS-${well.district.code}-${pad(seq.next(well.district.code), 4)}`;
    // Dry season (April–May) and wet season (August–September), from the first half-year to today.
    for (let half = well.firstHalf; half < 8; half++) {
      const year = 2023 + Math.floor(half / 2);
      const [from, to] = half % 2 === 0 ? ['04-01', '05-31'] : ['08-01', '09-30'];
      const end = `${year}-${to}`;
      if (end > addDays(DEMO_TODAY, -1)) break;
      const results = groundwaterResults(f, well.polluted && chance(f, 0.85));
      rows.push({
        publisher: dataset.owner,
        wellCode,
        sampledOn: dateBetween(f, `${year}-${from}`, end),
        district: well.district.code,
        location: pointAt(well.location),
        siteCode: well.siteCode,
        creditCode: well.creditCode,
        wellDepthM: well.depthM,
        results,
        qualityClass: groundwaterClassOf(results),
      });
    }
  }
  return rows;
};
