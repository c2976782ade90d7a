import { addDays, chance, DEMO_TODAY, dateBetween, demoFaker, minDate, pad } from '../random.js';
import { Sequences } from '../sequences.js';
import type { DemoGenerator, DemoRow } from './types.js';

const FINDINGS: readonly { facility: string; description: string }[] = [
  { facility: '储罐区', description: '储罐区围堰防渗层开裂，存在物料渗漏隐患' },
  { facility: '地下储罐', description: '地下储罐未设置双层罐或防渗池，缺少泄漏检测设施' },
  { facility: '危险废物贮存库', description: '危险废物贮存库地面防渗破损，渗滤液收集不完善' },
  { facility: '污水处理站', description: '调节池池体渗漏，防渗措施不到位' },
  { facility: '地下管线', description: '地下输送管线老化，存在跑冒滴漏隐患' },
  { facility: '原料堆场', description: '原料露天堆放，未采取防雨防渗措施' },
  { facility: '装卸区', description: '装卸区无截流沟和应急收集设施' },
  { facility: '生产车间', description: '车间地面硬化破损，化学品滴漏痕迹明显' },
  { facility: '初期雨水池', description: '初期雨水未收集，雨污分流不彻底' },
  { facility: '隐患排查制度', description: '隐患排查台账不完整，未按期报送排查报告' },
];

/**
 * 隐患排查发现问题: from a unit's second listed year on, each yearly check finds a few problems, most put right
 * by their deadline, some late, some still open.
 */
export const keyUnitInspectionRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  for (const unit of world.keyUnits) {
    for (const year of unit.years) {
      const count = f.number.int({ min: 0, max: year <= 2020 ? 3 : 2 }) + (chance(f, 0.3) ? 1 : 0);
      for (let i = 0; i < count; i++) {
        const foundOn = dateBetween(f, `${year}-03-01`, minDate(`${year}-11-30`, addDays(DEMO_TODAY, -30)));
        const rectifyBy = minDate(addDays(foundOn, f.number.int({ min: 30, max: 180 })), DEMO_TODAY);
        const done = chance(f, foundOn < '2026-01-01' ? 0.9 : 0.5);
        const rectifiedOn = done
          ? minDate(addDays(foundOn, f.number.int({ min: 10, max: chance(f, 0.8) ? 170 : 400 })), DEMO_TODAY)
          : null;
        const finding = f.helpers.arrayElement(FINDINGS);
        rows.push({
          publisher: dataset.owner,
          creditCode: unit.creditCode,
          findingNo: `YH${year}-${pad(seq.next(String(year)), 4)}`,
          foundOn,
          facility: finding.facility,
          description: finding.description,
          rectifyBy,
          rectifiedOn,
          district: unit.site.district.code,
        });
      }
    }
  }
  return rows;
};
