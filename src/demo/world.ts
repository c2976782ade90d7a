import type { Faker } from '@faker-js/faker';
import type { GeoPolygon } from '../domain/geometry.js';
import { CreditCodeIssuer } from './creditCodes.js';
import {
  type DemoDistrict,
  demoDistricts,
  offsetMetres,
  pickDistrict,
  plotAround,
  polygonAreaM2,
  polygonAround,
} from './geography.js';
import {
  developerName,
  enterpriseName,
  ParcelCodes,
  type Site,
  siteIn,
  townStem,
  tradeName,
} from './names.js';
import {
  addDays,
  chance,
  DEMO_TODAY,
  dateBetween,
  daysBetween,
  demoFaker,
  floatBetween,
  minDate,
  mobile,
  pad,
  personName,
  round,
  weighted,
} from './random.js';
import { Sequences } from './sequences.js';
import { historicSiteKinds, type Industry, industries, screeningFollowUp } from './vocabulary.js';

/**
 * The cross-linked part of the demo: enterprises, their sites and codes, and the plots and permits that
 * refer to them. The stories the hub exists to tell are built in here on purpose: closed factories that
 * were screened and became priority plots and register sites, and plots rezoned to housing or public
 * service on top of them. Dataset rows are shaped from these entities by the generators.
 */

export interface Enterprise {
  creditCode: string;
  name: string;
  industry: Industry;
  site: Site;
}

export interface KeyUnit extends Enterprise {
  /** The years the unit is on the list (consecutive). */
  years: number[];
  /** The parcel code of the unit's land. */
  parcelCode: string;
  closed?: ClosedFirm;
}

export interface ClosedFirm extends Enterprise {
  closedOn: string;
  closureType: 'SHUTDOWN' | 'RELOCATION' | 'DEREGISTRATION';
  dischargePermitRevoked: boolean | null;
  legalRepresentative: string;
  phone: string;
  keyUnit?: KeyUnit;
  screening?: Screening;
}

export interface Screening {
  firm: ClosedFirm;
  riskLevel: 'HIGH' | 'MEDIUM' | 'LOW';
  screenedOn: string;
  followUp: string;
  publisher: string;
  plots: PriorityPlot[];
}

export type InvestigationStatus =
  | 'NOT_STARTED'
  | 'PRELIMINARY_SURVEY'
  | 'DETAILED_SURVEY'
  | 'RISK_ASSESSMENT'
  | 'RISK_CONTROL'
  | 'COMPLETED';

export interface PriorityPlot {
  plotCode: string;
  screening: Screening;
  name: string;
  district: DemoDistrict;
  boundary: GeoPolygon;
  reason: string;
  listedOn: string;
  status: InvestigationStatus;
  publisher: string;
}

export interface RegisterSite {
  siteCode: string;
  name: string;
  district: DemoDistrict;
  boundary: GeoPolygon;
  areaM2: number;
  pollutants: string[];
  status: 'LISTED' | 'REMOVED';
  listedOn: string;
  removedOn: string | null;
  plannedUse: string;
  /** The priority plot it came from, if any. */
  plot?: PriorityPlot;
}

export interface LandRightEvent {
  parcelCode: string;
  eventNo: string;
  unit: KeyUnit;
  changeType: 'USE_CHANGE' | 'RECOVERY' | 'TRANSFER';
  effectiveOn: string;
  newUse: string;
  boundary: GeoPolygon;
}

export type RezoningOrigin =
  | { kind: 'closedSite'; firm: ClosedFirm }
  | { kind: 'registerSite'; site: RegisterSite }
  | { kind: 'keyUnitLand'; unit: KeyUnit; event: LandRightEvent }
  | { kind: 'ordinary' };

export interface Rezoning {
  parcelCode: string;
  district: DemoDistrict;
  town: string;
  address: string;
  boundary: GeoPolygon;
  areaM2: number;
  originalUse: string;
  plannedUse: 'RESIDENTIAL' | 'PUBLIC_SERVICE';
  planningPermitNo: string;
  permitDate: string;
  rightHolder: string;
  rightHolderContact: string;
  /** What will be built: the project's name (without phase) and, for public service, the public body. */
  project: { name: string; body?: string };
  origin: RezoningOrigin;
}

export interface Builder {
  name: string;
  creditCode: string;
}

export interface Permit {
  permitNo: string;
  projectName: string;
  parcelCode: string | null;
  district: DemoDistrict;
  address: string;
  builder: Builder;
  issuedOn: string;
  floorAreaM2: number;
  contactPerson: string;
  contactPhone: string;
  plot?: Rezoning;
}

export interface DemoWorld {
  keyUnits: KeyUnit[];
  closedFirms: ClosedFirm[];
  screenings: Screening[];
  priorityPlots: PriorityPlot[];
  registerSites: RegisterSite[];
  rezonings: Rezoning[];
  landRightEvents: LandRightEvent[];
  permits: Permit[];
}

/** Planned volumes of the cross-linked datasets. */
export const WORLD_VOLUMES = {
  keyUnitRows: 1000,
  closedFirms: 3000,
  screenings: 2200,
  priorityPlots: 1000,
  registerSites: 1000,
  rezonings: 1000,
  landRightEvents: 1500,
  permits: 1500,
  permitsOnPlots: 1350,
  closedSiteRezonings: 64,
  registerSiteRezonings: { LISTED: 36, REMOVED: 16 },
  keyUnitLandRezonings: 30,
} as const;

const TODAY = DEMO_TODAY;
const maxDate = (a: string, b: string) => (a > b ? a : b);

function industryBy(f: Faker, weight: 'closed' | 'keyUnit'): Industry {
  return f.helpers.weightedArrayElement(
    industries.filter((i) => i[weight] > 0).map((i) => ({ value: i, weight: i[weight] })),
  );
}

function yearBy(f: Faker, weights: Record<number, number>): number {
  return f.helpers.weightedArrayElement(
    Object.entries(weights).map(([year, weight]) => ({ value: Number(year), weight })),
  );
}

function dateInYear(f: Faker, year: number): string {
  return dateBetween(f, `${year}-01-01`, minDate(`${year}-12-31`, addDays(TODAY, -10)));
}

/** A register entry for a place: its pollutants from the industry, its planned use once removed or while listed. */
function listedSite(
  f: Faker,
  place: Pick<RegisterSite, 'name' | 'district' | 'boundary'>,
  industry: Industry,
  listedOn: string,
  removedOn: string | null,
): Omit<RegisterSite, 'siteCode'> {
  return {
    name: place.name,
    district: place.district,
    boundary: place.boundary,
    areaM2: round(polygonAreaM2(place.boundary), 1),
    pollutants: f.helpers.arrayElements(industry.pollutants, { min: 1, max: 4 }),
    status: removedOn ? 'REMOVED' : 'LISTED',
    listedOn,
    removedOn,
    plannedUse: removedOn
      ? f.helpers.arrayElement(['住宅用地', '公园绿地', '公共管理与公共服务用地', '商业用地'])
      : f.helpers.arrayElement(['待定', '工业用地', '公园绿地', '物流仓储用地']),
  };
}

function fail(message: string): never {
  throw new Error(`demo world: ${message}`);
}

class WorldBuilder {
  readonly f = demoFaker();
  readonly codes = new CreditCodeIssuer(this.f);
  readonly parcels = new ParcelCodes(this.f);
  readonly world: DemoWorld = {
    keyUnits: [],
    closedFirms: [],
    screenings: [],
    priorityPlots: [],
    registerSites: [],
    rezonings: [],
    landRightEvents: [],
    permits: [],
  };
  private readonly developers: Builder[] = [];
  private readonly governmentBodies = new Map<string, Builder>();
  private readonly permitSeq = new Sequences();
  private readonly plotSeq = new Sequences();

  build(): DemoWorld {
    this.keyUnits();
    this.closedFirms();
    this.screenings();
    this.priorityPlots();
    this.registerSites();
    this.rezonings();
    this.landRightEvents();
    this.permits();
    return this.world;
  }

  private publisherFor(district: DemoDistrict): string {
    return chance(this.f, 0.4) ? district.code : 'ECOLOGY';
  }

  private enterprise(district: DemoDistrict, industry: Industry, radius: [number, number], legacy: number) {
    const f = this.f;
    const site = siteIn(f, district, radius, true);
    return {
      creditCode: this.codes.issue(district.creditArea, { legacy: chance(f, legacy) }),
      name: enterpriseName(f, industry, district, site.town),
      industry,
      site,
    };
  }

  /** Key supervised units, listed for one or more consecutive years from 2019, some of which close. */
  private keyUnits(): void {
    const f = this.f;
    let rows = 0;
    while (rows < WORLD_VOLUMES.keyUnitRows) {
      const district = pickDistrict(f, 'keyUnits');
      const industry = industryBy(f, 'keyUnit');
      const unit: KeyUnit = {
        ...this.enterprise(district, industry, [120, 380], 0.6),
        years: [],
        parcelCode: this.parcels.issue(district),
      };
      const first = yearBy(f, { 2019: 34, 2020: 12, 2021: 10, 2022: 10, 2023: 9, 2024: 8, 2025: 8, 2026: 9 });
      let last = 2026;
      if (first <= 2024 && chance(f, 0.16)) {
        const closedYear = f.number.int({ min: first + 1, max: 2026 });
        last = closedYear - 1;
        unit.closed = this.closedFirm(unit, dateInYear(f, closedYear), true);
      } else if (first <= 2025 && chance(f, 0.12)) {
        last = f.number.int({ min: first, max: 2025 });
      }
      for (let year = first; year <= last && rows < WORLD_VOLUMES.keyUnitRows; year++, rows++) {
        unit.years.push(year);
      }
      this.world.keyUnits.push(unit);
    }
  }

  private closedFirm(enterprise: Enterprise, closedOn: string, keyUnit: boolean): ClosedFirm {
    const f = this.f;
    const closureType = keyUnit
      ? weighted(f, { RELOCATION: 5, SHUTDOWN: 4, DEREGISTRATION: 1 })
      : weighted(f, { SHUTDOWN: 45, RELOCATION: 30, DEREGISTRATION: 25 });
    const firm: ClosedFirm = {
      creditCode: enterprise.creditCode,
      name: enterprise.name,
      industry: enterprise.industry,
      site: enterprise.site,
      closedOn,
      closureType,
      dischargePermitRevoked: chance(f, 0.05) ? null : chance(f, closureType === 'RELOCATION' ? 0.7 : 0.88),
      legalRepresentative: personName(f),
      phone: mobile(f),
    };
    this.world.closedFirms.push(firm);
    return firm;
  }

  /** Enterprises closed or relocated since 2014 (疏解整治促提升), including the key units that closed. */
  private closedFirms(): void {
    const f = this.f;
    for (const unit of this.world.keyUnits) if (unit.closed) unit.closed.keyUnit = unit;
    while (this.world.closedFirms.length < WORLD_VOLUMES.closedFirms) {
      const district = pickDistrict(f, 'industry');
      const industry = industryBy(f, 'closed');
      const enterprise = this.enterprise(district, industry, [40, 170], 0.75);
      if (chance(f, 0.1)) enterprise.site.boundary = undefined;
      const year = yearBy(f, {
        2014: 6,
        2015: 8,
        2016: 9,
        2017: 14,
        2018: 14,
        2019: 12,
        2020: 9,
        2021: 8,
        2022: 7,
        2023: 5,
        2024: 4,
        2025: 3,
        2026: 2,
      });
      this.closedFirm(enterprise, dateInYear(f, year), false);
    }
  }

  /** Most closed enterprises are screened (关停企业原址用地筛查); the riskier the trade, the higher the risk. */
  private screenings(): void {
    const f = this.f;
    const candidates = this.world.closedFirms.filter((firm) => firm.closedOn <= '2026-08-31');
    const keyFirst = [
      ...candidates.filter((firm) => firm.keyUnit),
      ...f.helpers.shuffle(candidates.filter((firm) => !firm.keyUnit)),
    ];
    const chosen = keyFirst.slice(0, WORLD_VOLUMES.screenings);
    const odds = {
      high: { HIGH: 55, MEDIUM: 35, LOW: 10 },
      medium: { HIGH: 15, MEDIUM: 50, LOW: 35 },
      low: { HIGH: 3, MEDIUM: 22, LOW: 75 },
    } as const;
    for (const firm of chosen) {
      const riskLevel = weighted(f, odds[firm.industry.hazard]);
      const from = maxDate(addDays(firm.closedOn, 30), '2017-03-01');
      const screenedOn = dateBetween(f, from, minDate(addDays(from, 900), addDays(TODAY, -7)));
      const screening: Screening = {
        firm,
        riskLevel,
        screenedOn,
        followUp: f.helpers.arrayElement(screeningFollowUp[riskLevel]),
        publisher: this.publisherFor(firm.site.district),
        plots: [],
      };
      firm.screening = screening;
      this.world.screenings.push(screening);
    }
    this.world.screenings.sort((a, b) => a.screenedOn.localeCompare(b.screenedOn));
    const high = this.world.screenings.filter((s) => s.riskLevel === 'HIGH').length;
    if (high < 120 || high > WORLD_VOLUMES.priorityPlots) fail(`${high} high-risk screenings`);
  }

  private plotStatus(listedOn: string): InvestigationStatus {
    const age = daysBetween(listedOn, TODAY);
    if (age < 180) return weighted(this.f, { NOT_STARTED: 6, PRELIMINARY_SURVEY: 4 });
    if (age < 700) return weighted(this.f, { PRELIMINARY_SURVEY: 4, DETAILED_SURVEY: 4, RISK_ASSESSMENT: 2 });
    return weighted(this.f, { DETAILED_SURVEY: 2, RISK_ASSESSMENT: 3, RISK_CONTROL: 4, COMPLETED: 4 });
  }

  /** Every high-risk screening becomes a priority plot (优先监管地块); some sites have a second plot. */
  private priorityPlots(): void {
    const f = this.f;
    const high = this.world.screenings.filter((s) => s.riskLevel === 'HIGH');
    const extra = new Set(f.helpers.arrayElements(high, WORLD_VOLUMES.priorityPlots - high.length));
    const sides = ['北侧原料堆场', '东侧储罐区', '南侧污水处理站', '西侧废渣堆放区'];
    for (const screening of high) {
      const { firm } = screening;
      const site = firm.site;
      const pollutants = firm.industry.pollutants.slice(0, 3).join('、');
      const parts: { name: string; boundary: GeoPolygon }[] = [
        {
          name: `原${firm.name}地块`,
          boundary: site.boundary ?? polygonAround(f, site.centre, site.radiusM),
        },
      ];
      if (extra.has(screening)) {
        const angle = f.number.float({ min: 0, max: 2 * Math.PI });
        const centre = offsetMetres(
          site.centre,
          1.8 * site.radiusM * Math.cos(angle),
          1.8 * site.radiusM * Math.sin(angle),
        );
        parts.push({
          name: `原${firm.name}${f.helpers.arrayElement(sides)}地块`,
          boundary: polygonAround(f, centre, site.radiusM * floatBetween(f, 0.35, 0.6)),
        });
      }
      for (const part of parts) {
        const district = site.district;
        const listedOn = dateBetween(
          f,
          addDays(screening.screenedOn, 10),
          minDate(addDays(screening.screenedOn, 180), addDays(TODAY, -1)),
        );
        const plot: PriorityPlot = {
          plotCode: `YXJG-${district.code}-${pad(this.plotSeq.next(district.code), 3)}`,
          screening,
          name: part.name,
          district,
          boundary: part.boundary,
          reason: `关停企业原址筛查为高风险（${firm.industry.name}），关注污染物：${pollutants}`,
          listedOn,
          status: this.plotStatus(listedOn),
          publisher: this.publisherFor(district),
        };
        screening.plots.push(plot);
        this.world.priorityPlots.push(plot);
      }
    }
  }

  /** The register: investigated priority plots found contaminated, plus older historical sites. */
  private registerSites(): void {
    const f = this.f;
    const sites: Omit<RegisterSite, 'siteCode'>[] = [];
    for (const plot of this.world.priorityPlots) {
      const investigated = ['RISK_ASSESSMENT', 'RISK_CONTROL', 'COMPLETED'].includes(plot.status);
      // Not every investigated plot turns out contaminated enough to be listed.
      if (!(investigated ? chance(f, 0.6) : plot.status === 'DETAILED_SURVEY' && chance(f, 0.3))) continue;
      // The register (名录) exists since the Soil Pollution Law took effect in 2019.
      const found = addDays(plot.listedOn, f.number.int({ min: 200, max: 700 }));
      const listedOn = found < '2019-03-01' ? dateBetween(f, '2019-03-01', '2019-12-31') : found;
      if (listedOn > addDays(TODAY, -5)) continue;
      let removedOn: string | null = null;
      if (plot.status === 'COMPLETED' && chance(f, 0.7)) {
        const removed = addDays(listedOn, f.number.int({ min: 300, max: 1200 }));
        if (removed < TODAY) removedOn = removed;
      }
      const industry = plot.screening.firm.industry;
      sites.push({ ...listedSite(f, plot, industry, listedOn, removedOn), plot });
    }
    while (sites.length < WORLD_VOLUMES.registerSites) {
      const kind = f.helpers.arrayElement(historicSiteKinds);
      const industry = industries.find((i) => i.code === kind.industry) ?? fail(`industry ${kind.industry}`);
      const district = pickDistrict(f, 'industry');
      const site = siteIn(f, district, kind.label === '加油站' ? [30, 60] : [80, 380], true);
      const boundary = site.boundary as GeoPolygon;
      const listedOn = dateBetween(f, '2019-01-01', '2026-09-30');
      const removed = chance(f, 0.35) ? addDays(listedOn, f.number.int({ min: 365, max: 1500 })) : null;
      const removedOn = removed && removed < TODAY ? removed : null;
      const owner =
        district.code === '110400' || chance(f, 0.5)
          ? `北京${tradeName(f)}`
          : `${district.name}${townStem(site.town)}`;
      sites.push(
        listedSite(
          f,
          { name: `原${owner}${kind.label}地块`, district, boundary },
          industry,
          listedOn,
          removedOn,
        ),
      );
    }
    sites.sort((a, b) => a.listedOn.localeCompare(b.listedOn));
    const seq = new Sequences();
    for (const site of sites.slice(0, WORLD_VOLUMES.registerSites)) {
      this.world.registerSites.push({
        siteCode: `BJML-${site.district.code}-${pad(seq.next(site.district.code), 3)}`,
        ...site,
      });
    }
  }

  private landStorageCentre(district: DemoDistrict): string {
    return district.code === '110400'
      ? '北京经济技术开发区土地储备中心'
      : `北京市${district.name}土地整理储备中心`;
  }

  private planningPermitNo(district: DemoDistrict, date: string): string {
    const year = date.slice(0, 4);
    return `地字第${district.code}${year}${pad(this.permitSeq.next(`plan-${district.code}-${year}`), 5)}号`;
  }

  private rezoning(
    district: DemoDistrict,
    town: string,
    boundary: GeoPolygon,
    permitDate: string,
    fields: Pick<Rezoning, 'parcelCode' | 'address' | 'originalUse' | 'origin'> & {
      plannedUse?: Rezoning['plannedUse'];
      /** The right holder when it is not the usual developer, land-storage centre or public body. */
      rightHolder?: (plannedUse: Rezoning['plannedUse']) => string | undefined;
    },
  ): Rezoning {
    const f = this.f;
    const plannedUse = fields.plannedUse ?? (chance(f, 0.6) ? 'RESIDENTIAL' : 'PUBLIC_SERVICE');
    const project = this.project(district, town, fields.parcelCode, plannedUse);
    const rezoning: Rezoning = {
      parcelCode: fields.parcelCode,
      district,
      town,
      address: fields.address,
      boundary,
      areaM2: round(polygonAreaM2(boundary), 1),
      originalUse: fields.originalUse,
      plannedUse,
      planningPermitNo: this.planningPermitNo(district, permitDate),
      permitDate,
      rightHolderContact: mobile(f),
      origin: fields.origin,
      project,
      rightHolder:
        fields.rightHolder?.(plannedUse) ??
        (project.body
          ? this.government(district, project.body).name
          : chance(f, 0.7)
            ? this.developer().name
            : this.landStorageCentre(district)),
    };
    this.world.rezonings.push(rezoning);
    return rezoning;
  }

  /**
   * Plots rezoned to housing or public service ("一住两公"): on former factory sites, on register sites, on
   * key units' land, and a great many ordinary ones.
   */
  private rezonings(): void {
    const f = this.f;
    // Former factory sites: screened, closed for a while, with a known boundary.
    const factories = f.helpers
      .shuffle(
        this.world.closedFirms.filter(
          (firm) =>
            firm.site.boundary &&
            firm.screening &&
            firm.screening.screenedOn <= '2026-03-01' &&
            firm.site.district.building >= 3,
        ),
      )
      .slice(0, WORLD_VOLUMES.closedSiteRezonings);
    for (const firm of factories) {
      const site = firm.site;
      const screening = firm.screening as Screening;
      const centre = offsetMetres(
        site.centre,
        floatBetween(f, -0.35, 0.35) * site.radiusM,
        floatBetween(f, -0.35, 0.35) * site.radiusM,
      );
      const permitDate = dateBetween(
        f,
        maxDate(addDays(firm.closedOn, 200), addDays(screening.screenedOn, 20)),
        addDays(TODAY, -40),
      );
      this.rezoning(
        site.district,
        site.town,
        plotAround(f, centre, site.radiusM * floatBetween(f, 0.9, 1.5)),
        permitDate,
        {
          parcelCode: this.parcels.issue(site.district),
          address: site.address,
          originalUse: '工业用地',
          origin: { kind: 'closedSite', firm },
          rightHolder: (use) =>
            use === 'RESIDENTIAL' && firm.closureType === 'RELOCATION' && chance(f, 0.4)
              ? firm.name
              : undefined,
        },
      );
    }
    if (this.world.rezonings.length < WORLD_VOLUMES.closedSiteRezonings)
      fail('too few rezoned factory sites');

    // Register sites: listed ones rezoned against the rule, removed (remediated) ones rezoned after removal.
    const rezonedFirms = new Set(factories);
    for (const status of ['LISTED', 'REMOVED'] as const) {
      const candidates = this.world.registerSites.filter(
        (site) =>
          site.status === status &&
          site.listedOn <= '2026-05-01' &&
          (site.removedOn ?? '') <= '2026-08-01' &&
          !(site.plot && rezonedFirms.has(site.plot.screening.firm)),
      );
      const chosen = f.helpers.shuffle(candidates).slice(0, WORLD_VOLUMES.registerSiteRezonings[status]);
      if (chosen.length < WORLD_VOLUMES.registerSiteRezonings[status])
        fail(`too few ${status} register sites`);
      for (const site of chosen) {
        const ring = site.boundary.coordinates[0];
        const centre = ring
          .slice(0, -1)
          .reduce((acc, [lon, lat]) => [acc[0] + lon / (ring.length - 1), acc[1] + lat / (ring.length - 1)], [
            0, 0,
          ] as [number, number]);
        const radius = Math.sqrt(site.areaM2 / Math.PI);
        const permitDate = site.removedOn
          ? dateBetween(f, addDays(site.removedOn, 30), addDays(TODAY, -20))
          : dateBetween(f, addDays(site.listedOn, -400), addDays(TODAY, -20));
        const town = f.helpers.arrayElement(site.district.towns);
        const parcelCode = this.parcels.issue(site.district);
        this.rezoning(
          site.district,
          town,
          plotAround(
            f,
            offsetMetres(centre, radius * 0.3, -radius * 0.2),
            radius * floatBetween(f, 0.8, 1.3),
          ),
          permitDate,
          {
            parcelCode,
            address: `${site.district.name}${town}${parcelCode}地块`,
            originalUse: site.name.includes('加油站') ? '商业服务业设施用地' : '工业用地',
            origin: { kind: 'registerSite', site },
          },
        );
      }
    }

    // Key supervised units' land: a change of use or recovery, then the plot is rezoned.
    const units = f.helpers
      .shuffle(
        this.world.keyUnits.filter(
          (unit) =>
            unit.site.boundary &&
            unit.years[0] <= 2024 &&
            (!unit.closed || unit.closed.closedOn <= '2025-06-30'),
        ),
      )
      .slice(0, WORLD_VOLUMES.keyUnitLandRezonings);
    for (const unit of units) {
      const from = maxDate(
        `${unit.years[0] + 1}-01-01`,
        unit.closed ? addDays(unit.closed.closedOn, 30) : '',
      );
      const effectiveOn = dateBetween(f, from, addDays(TODAY, -60));
      const plannedUse = chance(f, 0.6) ? 'RESIDENTIAL' : 'PUBLIC_SERVICE';
      const event = this.landRightEvent(
        unit,
        unit.parcelCode,
        unit.closed ? 'RECOVERY' : 'USE_CHANGE',
        effectiveOn,
        {
          newUse: plannedUse === 'RESIDENTIAL' ? '住宅用地' : '公共管理与公共服务用地',
          boundary: unit.site.boundary as GeoPolygon,
        },
      );
      const centre = offsetMetres(unit.site.centre, unit.site.radiusM * 0.2, 0);
      this.rezoning(
        unit.site.district,
        unit.site.town,
        plotAround(f, centre, unit.site.radiusM * floatBetween(f, 0.55, 0.85)),
        dateBetween(f, addDays(effectiveOn, 30), minDate(addDays(effectiveOn, 400), addDays(TODAY, -10))),
        {
          parcelCode: unit.parcelCode,
          address: unit.site.address,
          originalUse: '工业用地',
          origin: { kind: 'keyUnitLand', unit, event },
          plannedUse,
          rightHolder: () => (unit.closed ? this.landStorageCentre(unit.site.district) : undefined),
        },
      );
    }

    // Ordinary plots: villages, old industry and warehouses becoming housing, schools and clinics.
    while (this.world.rezonings.length < WORLD_VOLUMES.rezonings) {
      const district = pickDistrict(f, 'building');
      const plannedUse = chance(f, 0.6) ? 'RESIDENTIAL' : 'PUBLIC_SERVICE';
      const site = siteIn(f, district, plannedUse === 'RESIDENTIAL' ? [70, 240] : [35, 110], true);
      const parcelCode = this.parcels.issue(district);
      const year = yearBy(f, {
        2018: 6,
        2019: 8,
        2020: 9,
        2021: 10,
        2022: 11,
        2023: 12,
        2024: 13,
        2025: 13,
        2026: 10,
      });
      this.rezoning(district, site.town, site.boundary as GeoPolygon, dateInYear(f, year), {
        parcelCode,
        address: `${district.name}${site.town}${parcelCode}地块`,
        originalUse: weighted(f, {
          农村集体建设用地: 25,
          村庄建设用地: 15,
          工业用地: 15,
          仓储用地: 8,
          商业服务业设施用地: 8,
          农用地: 5,
          绿化隔离地区用地: 5,
          其他建设用地: 5,
        }),
        origin: { kind: 'ordinary' },
        plannedUse,
      });
    }
  }

  private landRightEvent(
    unit: KeyUnit,
    parcelCode: string,
    changeType: LandRightEvent['changeType'],
    effectiveOn: string,
    rest: Pick<LandRightEvent, 'newUse' | 'boundary'>,
  ): LandRightEvent {
    const year = effectiveOn.slice(0, 4);
    const event: LandRightEvent = {
      parcelCode,
      eventNo: `BG${year}${pad(this.permitSeq.next(`event-${year}`), 4)}`,
      unit,
      changeType,
      effectiveOn,
      ...rest,
    };
    this.world.landRightEvents.push(event);
    return event;
  }

  /** Changes of use, recoveries and transfers of key units' land (besides the rezonings above). */
  private landRightEvents(): void {
    const f = this.f;
    const units = this.world.keyUnits.filter((unit) => unit.site.boundary);
    while (this.world.landRightEvents.length < WORLD_VOLUMES.landRightEvents) {
      const unit = f.helpers.arrayElement(units);
      const site = unit.site;
      const second = chance(f, 0.25);
      const parcelCode = second ? this.parcels.issue(site.district) : unit.parcelCode;
      const boundary = second
        ? polygonAround(f, offsetMetres(site.centre, site.radiusM * 1.9, 0), site.radiusM * 0.6)
        : (site.boundary as GeoPolygon);
      const changeType = unit.closed
        ? weighted(f, { RECOVERY: 6, TRANSFER: 3, USE_CHANGE: 1 })
        : weighted(f, { TRANSFER: 5, USE_CHANGE: 4, RECOVERY: 1 });
      const from = minDate(unit.closed ? addDays(unit.closed.closedOn, 20) : `${unit.years[0]}-01-01`, TODAY);
      const newUse = {
        TRANSFER: () => f.helpers.arrayElement(['工业用地', '工业用地（研发）', '物流仓储用地']),
        USE_CHANGE: () =>
          f.helpers.arrayElement(['商业服务业设施用地', '科研用地', '物流仓储用地', '公园绿地']),
        RECOVERY: () => f.helpers.arrayElement(['收储（待规划）', '公园绿地', '防护绿地']),
      }[changeType]();
      this.landRightEvent(unit, parcelCode, changeType, dateBetween(f, from, addDays(TODAY, -1)), {
        newUse,
        boundary,
      });
    }
  }

  private developer(): Builder {
    const f = this.f;
    if (this.developers.length < 120 && (this.developers.length < 20 || chance(f, 0.3))) {
      const area = f.helpers.arrayElement(demoDistricts).creditArea;
      this.developers.push({
        name: developerName(f),
        creditCode: this.codes.issue(area, { legacy: chance(f, 0.5) }),
      });
    }
    return f.helpers.arrayElement(this.developers);
  }

  private government(district: DemoDistrict, body: string): Builder {
    const name =
      district.code === '110400' ? '北京经济技术开发区社会事业局' : `北京市${district.name}${body}`;
    let builder = this.governmentBodies.get(name);
    if (!builder) {
      builder = { name, creditCode: this.codes.issue(district.creditArea, { kind: '11', legacy: true }) };
      this.governmentBodies.set(name, builder);
    }
    return builder;
  }

  /** The project planned on a rezoned plot; public facilities name the public body that builds them. */
  private project(
    district: DemoDistrict,
    town: string,
    parcelCode: string,
    plannedUse: Rezoning['plannedUse'],
  ): Rezoning['project'] {
    const f = this.f;
    const stem = townStem(town);
    if (plannedUse === 'RESIDENTIAL') {
      return {
        name: f.helpers.arrayElement([
          `${district.name}${stem}${parcelCode}地块R2二类居住用地项目`,
          `${stem}棚户区改造安置房项目`,
          `${stem}集体土地租赁住房项目`,
          `${parcelCode}地块共有产权住房项目`,
        ]),
      };
    }
    return f.helpers.arrayElement([
      { name: `${stem}中心小学新建工程`, body: '教育委员会' },
      { name: `${stem}幼儿园新建工程`, body: '教育委员会' },
      {
        name: `${district.name}第${f.number.int({ min: 2, max: 30 })}中学${stem}校区建设工程`,
        body: '教育委员会',
      },
      { name: `${district.name}${stem}社区卫生服务中心建设项目`, body: '卫生健康委员会' },
      { name: `${stem}养老照料中心项目`, body: '民政局' },
      { name: `${stem}综合文化活动中心项目`, body: '文化和旅游局' },
    ]);
  }

  /** Construction permits: most on rezoned plots (several phases on big ones), the rest industrial. */
  private permits(): void {
    const f = this.f;
    const drafts: Omit<Permit, 'permitNo'>[] = [];
    const plotPermits = (plot: Rezoning, count: number) => {
      const last = addDays(TODAY, -1);
      const builder = plot.project.body
        ? this.government(plot.district, plot.project.body)
        : (this.developers.find((d) => d.name === plot.rightHolder) ?? this.developer());
      for (let i = 0; i < count; i++) {
        const phase = count > 1 ? `（${['一', '二', '三'][i]}期）` : '';
        const far = plot.plannedUse === 'RESIDENTIAL' ? floatBetween(f, 1.8, 2.8) : floatBetween(f, 0.8, 1.6);
        drafts.push({
          projectName: `${plot.project.name}${phase}`,
          parcelCode: plot.parcelCode,
          district: plot.district,
          address: plot.address,
          builder,
          issuedOn: dateBetween(
            f,
            addDays(plot.permitDate, 90 + 120 * i),
            minDate(addDays(plot.permitDate, 720 + 120 * i), last),
          ),
          floorAreaM2: round((plot.areaM2 * far) / count, 2),
          contactPerson: personName(f),
          contactPhone: mobile(f),
          plot,
        });
      }
    };
    const eligible = (plot: Rezoning) => plot.permitDate <= addDays(TODAY, -100);
    for (const plot of this.world.rezonings) {
      if (plot.origin.kind !== 'ordinary' && eligible(plot) && chance(f, 0.8)) {
        plotPermits(plot, chance(f, 0.35) ? 2 : 1);
      }
    }
    const ordinary = f.helpers.shuffle(
      this.world.rezonings.filter((p) => p.origin.kind === 'ordinary' && eligible(p)),
    );
    for (const plot of ordinary) {
      const remaining = WORLD_VOLUMES.permitsOnPlots - drafts.length;
      if (remaining <= 0) break;
      plotPermits(plot, Math.min(remaining, 1 + (chance(f, 0.45) ? 1 : 0) + (chance(f, 0.15) ? 1 : 0)));
    }
    if (drafts.length < WORLD_VOLUMES.permitsOnPlots) fail(`only ${drafts.length} permits on plots`);
    while (drafts.length < WORLD_VOLUMES.permits) {
      const district = pickDistrict(f, 'industry');
      const industry = f.helpers.arrayElement(industries.filter((i) => i.keyUnit > 0));
      const site = siteIn(f, district, [80, 250], false);
      const name = enterpriseName(f, industry, district, site.town);
      drafts.push({
        projectName: `${name.replace(/(科技)?(有限责任公司|股份有限公司|有限公司|厂)$/, '')}${f.helpers.arrayElement(
          ['研发生产基地项目', '新建厂房工程', '仓储物流中心项目', '综合楼工程', '技术改造项目'],
        )}`,
        parcelCode: chance(f, 0.6) ? this.parcels.issue(district) : null,
        district,
        address: site.address,
        builder: { name, creditCode: this.codes.issue(district.creditArea, { legacy: chance(f, 0.3) }) },
        issuedOn: dateBetween(f, '2019-01-01', addDays(TODAY, -1)),
        floorAreaM2: floatBetween(f, 5000, 120000),
        contactPerson: personName(f),
        contactPhone: mobile(f),
      });
    }
    // Numbers run in issue order per district and year: [2024]施[朝]建字0012号.
    const ordered = drafts
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.issuedOn.localeCompare(b.d.issuedOn) || a.i - b.i);
    for (const { d } of ordered) {
      const year = d.issuedOn.slice(0, 4);
      const seq = this.permitSeq.next(`build-${d.district.code}-${year}`);
      this.world.permits.push({ permitNo: `[${year}]施[${d.district.short}]建字${pad(seq, 4)}号`, ...d });
    }
  }
}

/** Builds the demo world afresh (the same every time). */
export function buildDemoWorld(): DemoWorld {
  return new WorldBuilder().build();
}

let cached: DemoWorld | undefined;

/** The demo world: built once per process, the same on every run. */
export function demoWorld(): DemoWorld {
  cached ??= buildDemoWorld();
  return cached;
}
