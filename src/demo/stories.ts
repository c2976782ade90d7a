import { wellsOnParcels } from './generators/irrigationWell.js';
import { soilPoints } from './generators/soilMonitoring.js';
import { DEMO_BATCH, DEMO_SEED, DEMO_TODAY } from './random.js';
import { demoWorld } from './world.js';

/**
 * The stories the demo data set tells, with the codes to find them by: what a tester, a demo or a tutorial
 * looks up. Computed from the same deterministic world as the rows, so they always match the database.
 */
export interface DemoStories {
  seed: number;
  today: string;
  syncBatch: string;
  /** Closed enterprises (关停退出企业) that have a screening ledger entry, and those that do not (yet). */
  screenedClosedCreditCodes: string[];
  unscreenedClosedCreditCodes: string[];
  /** Screenings with risk HIGH; each has one or two priority plots (`priorityPlot.sourceCreditCode`). */
  highRiskCreditCodes: string[];
  priorityPlotCodesByCreditCode: Record<string, string[]>;
  /** Register sites that came from a priority plot after investigation (same boundary). */
  registerSitesFromPriorityPlots: { siteCode: string; plotCode: string }[];
  /** Key supervised units that were later closed: in both the unit list and the closed enterprises. */
  closedKeyUnitCreditCodes: string[];
  /** Key supervised units with land-right changes (every land-right change's credit code is one). */
  keyUnitCreditCodesWithLandRightChanges: string[];
  /** Plots rezoned to housing or public service whose boundary overlaps a closed factory's site. */
  rezonedFactorySites: {
    parcelCode: string;
    creditCode: string;
    riskLevel: string;
    priorityPlotCodes: string[];
  }[];
  /** Plots rezoned whose boundary overlaps a register site: LISTED ones break the rule (名录地块不得作为"一住两公"). */
  rezonedRegisterSites: { parcelCode: string; siteCode: string; siteStatus: 'LISTED' | 'REMOVED' }[];
  /** Plots rezoned on a key supervised unit's land, after a change of use or a recovery of the land right. */
  rezonedKeyUnitLand: { parcelCode: string; creditCode: string; eventNo: string }[];
  /** Every parcel code above: the plots the ecology bureau must look at. */
  riskyParcelCodes: string[];
  /** Construction permits already issued on those risky plots (合理安排规划许可证的发放时序). */
  permitsOnRiskyParcels: { permitNo: string; parcelCode: string }[];
  /** Construction permits on a rezoned plot (by parcel code), and the others. */
  permitsOnRezonedPlots: number;
  permitsElsewhere: number;
  /** Soil monitoring points in old sewage-irrigation areas with cadmium and lead above the usual ranges. */
  soilHotspotPointCodes: string[];
  /** Irrigation wells standing on a classed farmland parcel: those whose last test failed, and the others. */
  failedIrrigationWellsOnParcels: { wellCode: string; parcelCode: string }[];
  compliantIrrigationWellsOnParcels: { wellCode: string; parcelCode: string }[];
}

let cached: DemoStories | undefined;

export function demoStories(): DemoStories {
  if (cached) return cached;
  const world = demoWorld();
  const rezonedFactorySites = [];
  const rezonedRegisterSites = [];
  const rezonedKeyUnitLand = [];
  for (const plot of world.rezonings) {
    const origin = plot.origin;
    if (origin.kind === 'closedSite') {
      rezonedFactorySites.push({
        parcelCode: plot.parcelCode,
        creditCode: origin.firm.creditCode,
        riskLevel: origin.firm.screening?.riskLevel ?? 'UNSCREENED',
        priorityPlotCodes: origin.firm.screening?.plots.map((p) => p.plotCode) ?? [],
      });
    } else if (origin.kind === 'registerSite') {
      rezonedRegisterSites.push({
        parcelCode: plot.parcelCode,
        siteCode: origin.site.siteCode,
        siteStatus: origin.site.status,
      });
    } else if (origin.kind === 'keyUnitLand') {
      rezonedKeyUnitLand.push({
        parcelCode: plot.parcelCode,
        creditCode: origin.unit.creditCode,
        eventNo: origin.event.eventNo,
      });
    }
  }
  const risky = new Set(
    [...rezonedFactorySites, ...rezonedRegisterSites, ...rezonedKeyUnitLand].map((p) => p.parcelCode),
  );
  const plotsByCode: Record<string, string[]> = {};
  for (const plot of world.priorityPlots) {
    const code = plot.screening.firm.creditCode;
    plotsByCode[code] ??= [];
    plotsByCode[code].push(plot.plotCode);
  }
  const onPlots = world.permits.filter((p) => p.plot).length;
  cached = {
    seed: DEMO_SEED,
    today: DEMO_TODAY,
    syncBatch: DEMO_BATCH,
    screenedClosedCreditCodes: world.closedFirms.filter((f) => f.screening).map((f) => f.creditCode),
    unscreenedClosedCreditCodes: world.closedFirms.filter((f) => !f.screening).map((f) => f.creditCode),
    highRiskCreditCodes: world.screenings.filter((s) => s.riskLevel === 'HIGH').map((s) => s.firm.creditCode),
    priorityPlotCodesByCreditCode: plotsByCode,
    registerSitesFromPriorityPlots: world.registerSites
      .filter((site) => site.plot)
      .map((site) => ({ siteCode: site.siteCode, plotCode: site.plot?.plotCode ?? '' })),
    closedKeyUnitCreditCodes: world.keyUnits.filter((u) => u.closed).map((u) => u.creditCode),
    keyUnitCreditCodesWithLandRightChanges: [...new Set(world.landRightEvents.map((e) => e.unit.creditCode))],
    rezonedFactorySites,
    rezonedRegisterSites,
    rezonedKeyUnitLand,
    riskyParcelCodes: [...risky],
    permitsOnRiskyParcels: world.permits
      .filter((p) => p.parcelCode && risky.has(p.parcelCode))
      .map((p) => ({ permitNo: p.permitNo, parcelCode: p.parcelCode as string })),
    permitsOnRezonedPlots: onPlots,
    permitsElsewhere: world.permits.length - onPlots,
    soilHotspotPointCodes: soilPoints()
      .filter((p) => p.hotspot)
      .map((p) => p.pointCode),
    failedIrrigationWellsOnParcels: wellsOnParcels(world)
      .filter((w) => w.result === 'NON_COMPLIANT')
      .map(({ wellCode, parcelCode }) => ({ wellCode, parcelCode })),
    compliantIrrigationWellsOnParcels: wellsOnParcels(world)
      .filter((w) => w.result === 'COMPLIANT')
      .map(({ wellCode, parcelCode }) => ({ wellCode, parcelCode })),
  };
  return cached;
}
