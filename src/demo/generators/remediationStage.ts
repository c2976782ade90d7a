import type { Faker } from '@faker-js/faker';
import type { DemoDistrict } from '../geography.js';
import { addDays, chance, DEMO_TODAY, daysBetween, demoFaker, minDate, pad, weighted } from '../random.js';
import { Sequences } from '../sequences.js';
import type { DemoWorld, PriorityPlot, RegisterSite } from '../world.js';
import type { DemoGenerator, DemoRow } from './types.js';

type Stage =
  | 'PRELIMINARY_INVESTIGATION'
  | 'DETAILED_INVESTIGATION'
  | 'RISK_ASSESSMENT'
  | 'LISTED'
  | 'PLAN_FILED'
  | 'WORKS'
  | 'EFFECT_EVALUATION'
  | 'REMOVED'
  | 'AFTER_CARE';
type RiskResult = 'ACCEPTABLE' | 'NEEDS_CONTROL' | 'NEEDS_REMEDIATION';

export interface StageEvent {
  stage: Stage;
  startedOn: string;
  finishedOn: string | null;
  riskResult?: RiskResult;
  measuresKept?: string[];
}

/** The history of one plot or register site, oldest stage first. */
export interface Lifecycle {
  code: string;
  district: DemoDistrict;
  plot?: PriorityPlot;
  site?: RegisterSite;
  events: StageEvent[];
  /** The day the plot or site began waiting, undeveloped, past its deadline (the 暂不开发 ledger). */
  waitingSince?: string;
  /** The day the wait ended (investigation or works began), if it did. */
  waitedUntil?: string;
}

const TODAY = DEMO_TODAY;
const YESTERDAY = addDays(TODAY, -1);
const INVESTIGATION: Stage[] = ['PRELIMINARY_INVESTIGATION', 'DETAILED_INVESTIGATION', 'RISK_ASSESSMENT'];
const AFTER_CARE_MEASURES = [
  '保留阻隔层与硬化地面，禁止擅自开挖',
  '开展地下水长期监测',
  '限制地下水开采利用',
  '设置警示标识与围挡',
  '开挖施工前报生态环境部门',
  '定期巡查并记录管控设施状况',
];

/** n+1 increasing dates from `from` to `to` (both included): the bounds of n consecutive stages. */
function spread(f: Faker, from: string, to: string, n: number): string[] {
  const total = Math.max(0, daysBetween(from, to));
  const cuts = Array.from({ length: n - 1 }, () => f.number.int({ min: 0, max: total })).sort(
    (a, b) => a - b,
  );
  return [from, ...cuts.map((c) => addDays(from, c)), to];
}

/** Consecutive stages over [from, to]; the last left open (under way) when `open`. */
function stagesOver(f: Faker, stages: Stage[], from: string, to: string, open: boolean): StageEvent[] {
  const bounds = spread(f, from, to, stages.length);
  return stages.map((stage, i) => {
    const startedOn =
      i === 0 ? bounds[0] : minDate(addDays(bounds[i], f.number.int({ min: 0, max: 20 })), bounds[i + 1]);
    return { stage, startedOn, finishedOn: open && i === stages.length - 1 ? null : bounds[i + 1] };
  });
}

/** The earliest construction permit on a plot rezoned over each closed firm's site, by the firm's credit code. */
function firstPermitByFirm(world: DemoWorld): Map<string, string> {
  const first = new Map<string, string>();
  for (const permit of world.permits) {
    const origin = permit.plot?.origin;
    if (origin?.kind !== 'closedSite') continue;
    const code = origin.firm.creditCode;
    const known = first.get(code);
    if (!known || permit.issuedOn < known) first.set(code, permit.issuedOn);
  }
  return first;
}

class LifecycleBuilder {
  readonly f = demoFaker('remediationStage');
  readonly lifecycles: Lifecycle[] = [];
  private readonly siteByPlot = new Map<PriorityPlot, RegisterSite>();
  private readonly firstPermit: Map<string, string>;
  /** Alternates, over completed plots with a permit nearby, finishing before and after the first permit. */
  private finishBeforePermit = true;
  private readonly plotRisk = new Map<PriorityPlot, RiskResult>();

  constructor(private readonly world: DemoWorld) {
    for (const site of world.registerSites) if (site.plot) this.siteByPlot.set(site.plot, site);
    this.firstPermit = firstPermitByFirm(world);
  }

  build(): Lifecycle[] {
    for (const plot of this.world.priorityPlots) this.plot(plot);
    for (const site of this.world.registerSites) this.site(site);
    return this.lifecycles;
  }

  private needsAction(): RiskResult {
    return chance(this.f, 0.55) ? 'NEEDS_REMEDIATION' : 'NEEDS_CONTROL';
  }

  /** A priority plot: investigated up to its status, or, when it was listed, up to the listing. */
  private plot(plot: PriorityPlot): void {
    const f = this.f;
    const life: Lifecycle = { code: plot.plotCode, district: plot.district, plot, events: [] };
    this.lifecycles.push(life);
    const site = this.siteByPlot.get(plot);
    if (site) {
      // Investigated and assessed between the plot's listing and the register's.
      const gap = daysBetween(plot.listedOn, site.listedOn);
      const from = addDays(plot.listedOn, f.number.int({ min: 5, max: Math.max(5, Math.floor(gap / 5)) }));
      const to = addDays(site.listedOn, -f.number.int({ min: 3, max: Math.max(3, Math.floor(gap / 6)) }));
      life.events = stagesOver(f, INVESTIGATION, from, to, false);
      life.events[2].riskResult = this.needsAction();
      this.plotRisk.set(plot, life.events[2].riskResult);
      return;
    }
    // Some districts let a year or more pass before investigating (the 暂不开发 ledger's cases).
    const late = chance(f, 0.5);
    const start = addDays(
      plot.listedOn,
      late ? f.number.int({ min: 370, max: 800 }) : f.number.int({ min: 10, max: 90 }),
    );
    // Not investigated a year after it was listed: from then on it belongs on the 暂不开发 ledger.
    const yearOn = addDays(plot.listedOn, 365);
    const overdue = yearOn <= YESTERDAY;
    if (late && overdue) {
      life.waitingSince = yearOn;
      if (start <= YESTERDAY) life.waitedUntil = start;
    }
    if (plot.status === 'NOT_STARTED' || start > addDays(TODAY, -20)) {
      if (overdue) life.waitingSince = yearOn;
      life.waitedUntil = undefined;
      return;
    }
    switch (plot.status) {
      case 'PRELIMINARY_SURVEY':
        life.events = stagesOver(f, INVESTIGATION.slice(0, 1), start, YESTERDAY, true);
        return;
      case 'DETAILED_SURVEY':
        life.events = stagesOver(f, INVESTIGATION.slice(0, 2), start, YESTERDAY, true);
        return;
      case 'RISK_ASSESSMENT':
        life.events = stagesOver(f, INVESTIGATION, start, YESTERDAY, true);
        return;
      case 'RISK_CONTROL': {
        // Assessed as needing control, a plan filed and works under way before it reaches the register.
        life.events = stagesOver(f, [...INVESTIGATION, 'PLAN_FILED', 'WORKS'], start, YESTERDAY, true);
        life.events[2].riskResult = 'NEEDS_CONTROL';
        return;
      }
      case 'COMPLETED': {
        // Assessed as acceptable: the plot leaves supervision without listing. Where a permit was issued on a
        // plot rezoned over the same former site, finish before it for some and after it for others.
        let to = minDate(addDays(start, f.number.int({ min: 200, max: 700 })), YESTERDAY);
        const permit = this.firstPermit.get(plot.screening.firm.creditCode);
        if (permit) {
          const before = addDays(permit, -f.number.int({ min: 20, max: 200 }));
          const after = minDate(addDays(permit, f.number.int({ min: 20, max: 300 })), YESTERDAY);
          const want = this.finishBeforePermit ? before : after;
          if (daysBetween(start, want) >= 60) {
            to = want;
            this.finishBeforePermit = !this.finishBeforePermit;
          }
        }
        life.events = stagesOver(f, INVESTIGATION, start, to, false);
        life.events[2].riskResult = 'ACCEPTABLE';
        return;
      }
    }
  }

  /** A register site: investigated (unless its priority plot was), listed, and as far on as it has come. */
  private site(site: RegisterSite): void {
    const f = this.f;
    const life: Lifecycle = { code: site.siteCode, district: site.district, site, events: [] };
    this.lifecycles.push(life);
    let risk: RiskResult;
    if (site.plot) {
      risk = this.plotRisk.get(site.plot) ?? this.needsAction();
    } else {
      risk = this.needsAction();
      const from = addDays(site.listedOn, -f.number.int({ min: 300, max: 800 }));
      const to = addDays(site.listedOn, -f.number.int({ min: 5, max: 40 }));
      life.events = stagesOver(f, INVESTIGATION, from, to, false);
      life.events[2].riskResult = risk;
    }
    life.events.push({ stage: 'LISTED', startedOn: site.listedOn, finishedOn: site.listedOn });
    // Many sites wait a year or more before a plan is filed: no development for now (暂不开发).
    const long = chance(f, 0.9);
    let wait = long ? f.number.int({ min: 200, max: 900 }) : f.number.int({ min: 20, max: 150 });
    if (site.removedOn) {
      const span = daysBetween(site.listedOn, site.removedOn);
      wait = Math.min(wait, Math.floor(span * 0.45));
      const planOn = addDays(site.listedOn, wait);
      const evaluated = addDays(site.removedOn, -f.number.int({ min: 10, max: 40 }));
      life.events.push(
        ...stagesOver(f, ['PLAN_FILED', 'WORKS', 'EFFECT_EVALUATION'], planOn, evaluated, false),
      );
      life.events.push({ stage: 'REMOVED', startedOn: site.removedOn, finishedOn: site.removedOn });
      if (risk === 'NEEDS_CONTROL' || chance(f, 0.3)) {
        life.events.push({
          stage: 'AFTER_CARE',
          startedOn: site.removedOn,
          finishedOn: null,
          measuresKept: f.helpers.arrayElements(AFTER_CARE_MEASURES, { min: 1, max: 4 }),
        });
      }
      if (wait >= 180) {
        life.waitingSince = addDays(site.listedOn, f.number.int({ min: 0, max: 60 }));
        life.waitedUntil = planOn;
      }
      return;
    }
    const planOn = addDays(site.listedOn, wait);
    if (wait >= 180 || planOn > YESTERDAY) {
      if (daysBetween(site.listedOn, TODAY) >= 180) {
        life.waitingSince = addDays(site.listedOn, f.number.int({ min: 0, max: 60 }));
        if (planOn <= YESTERDAY) life.waitedUntil = planOn;
      }
    }
    if (planOn > YESTERDAY) return;
    const progress = weighted(f, { filed: 3, works: 5, evaluating: 2, evaluated: 1 });
    const stages: Stage[] = {
      filed: ['PLAN_FILED'] as Stage[],
      works: ['PLAN_FILED', 'WORKS'] as Stage[],
      evaluating: ['PLAN_FILED', 'WORKS', 'EFFECT_EVALUATION'] as Stage[],
      evaluated: ['PLAN_FILED', 'WORKS', 'EFFECT_EVALUATION'] as Stage[],
    }[progress];
    const closed = progress === 'filed' || progress === 'evaluated';
    const to = closed
      ? addDays(planOn, Math.floor(daysBetween(planOn, YESTERDAY) * f.number.float({ min: 0.1, max: 1 })))
      : YESTERDAY;
    life.events.push(...stagesOver(f, stages, planOn, to, !closed));
  }
}

let cached: { world: DemoWorld; lifecycles: Lifecycle[] } | undefined;

/** Every plot's and register site's lifecycle, built once per world (the ledger reads the same histories). */
export function demoLifecycles(world: DemoWorld): Lifecycle[] {
  if (cached?.world !== world) cached = { world, lifecycles: new LifecycleBuilder(world).build() };
  return cached.lifecycles;
}

const REVIEWERS = [
  '北京市生态环境局',
  '北京市土壤污染防治专家委员会',
  '北京市环境保护科学研究院（技术审查）',
];

/** 建设用地调查评估与风险管控修复全过程: one row per stage of every plot's and register site's history. */
export const remediationStageRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(`${dataset.name}:numbers`);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  for (const life of demoLifecycles(world)) {
    const publisher = life.plot ? life.plot.publisher : dataset.owner;
    for (const event of life.events) {
      const done = event.finishedOn;
      const year = (done ?? event.startedOn).slice(0, 4);
      const reviewed =
        done &&
        [
          'PRELIMINARY_INVESTIGATION',
          'DETAILED_INVESTIGATION',
          'RISK_ASSESSMENT',
          'EFFECT_EVALUATION',
        ].includes(event.stage);
      const filed = done && ['PLAN_FILED', 'EFFECT_EVALUATION', 'RISK_ASSESSMENT'].includes(event.stage);
      rows.push({
        publisher,
        plotCode: life.code,
        stage: event.stage,
        district: life.district.code,
        startedOn: event.startedOn,
        finishedOn: event.finishedOn,
        reviewNo: reviewed ? `京土评〔${year}〕${pad(seq.next(`review-${year}`), 4)}号` : null,
        filingNo: filed
          ? `${life.district.short}环土备〔${year}〕${pad(seq.next(`file-${life.district.code}-${year}`), 3)}号`
          : null,
        reviewingBody: reviewed || event.stage === 'LISTED' ? f.helpers.arrayElement(REVIEWERS) : null,
        riskResult: event.riskResult ?? null,
        measuresKept: event.measuresKept ?? null,
      });
    }
  }
  return rows;
};
