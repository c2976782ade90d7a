/**
 * The hand-written ceiling of bench/compare.ts: a plain node:http server, postgres.js (a pool of BENCH_POOL
 * connections, prepared statements), one SQL query per request and JSON.stringify, answering in the very
 * JSON shape of the hub's response (`{"data":{…}}`). No GraphQL, no permissions, no masking, no audit:
 * what serving these rows costs at the least. It reads and parses the request body like a GraphQL server
 * would (W6 takes its key from `variables.permitNo`); the workload is the path: /w1, /w2, /w3, /w6.
 *
 *   DATABASE_URL=… PORT=0 BENCH_POOL=10 node --import tsx bench/compare/ceiling.ts
 *
 * Prints one line `{"ready":true,"port":N}` on stdout when it listens.
 */
import http from 'node:http';
import postgres from 'postgres';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set');
const sql = postgres(url, { max: Number(process.env.BENCH_POOL || 10), onnotice: () => {} });

/** W1: 100 construction permits × 10 fields, in the hub's default order (issuedOn DESC, then id DESC). */
async function w1(): Promise<unknown> {
  const nodes = await sql`
    select permit_no as "permitNo", project_name as "projectName", parcel_code as "parcelCode",
      district, address, builder, builder_credit_code as "builderCreditCode", issued_on::text as "issuedOn",
      contact_person as "contactPerson", contact_phone as "contactPhone"
    from construction_permit where deleted = false
    order by issued_on desc, id desc limit 100`;
  return { constructionPermits: { nodes } };
}

/** W2: 100 construction permits (4 fields) each with its plot (6 fields), one join. */
async function w2(): Promise<unknown> {
  const rows = await sql`
    select p.permit_no, p.project_name, p.issued_on::text as issued_on, p.district,
      l.parcel_code, l.district as l_district, l.planned_use, l.area_m2::float8 as area_m2,
      l.permit_date::text as permit_date,
      l.address
    from construction_permit p
    left join land_use_change l on l.parcel_code = p.parcel_code and l.deleted = false
    where p.deleted = false
    order by p.issued_on desc, p.id desc limit 100`;
  const nodes = rows.map((r) => ({
    permitNo: r.permit_no,
    projectName: r.project_name,
    issuedOn: r.issued_on,
    district: r.district,
    landUseChange:
      r.parcel_code === null
        ? null
        : {
            parcelCode: r.parcel_code,
            district: r.l_district,
            plannedUse: r.planned_use,
            areaM2: r.area_m2,
            permitDate: r.permit_date,
            address: r.address,
          },
  }));
  return { constructionPermits: { nodes } };
}

/** W6: one construction permit by its permit number (10 fields). */
async function w6(body: Body): Promise<unknown> {
  const permitNo = String(body.variables?.permitNo ?? '');
  const [row] = await sql`
    select permit_no as "permitNo", project_name as "projectName", parcel_code as "parcelCode",
      district, address, builder, builder_credit_code as "builderCreditCode", issued_on::text as "issuedOn",
      contact_person as "contactPerson", contact_phone as "contactPhone"
    from construction_permit where permit_no = ${permitNo} and deleted = false limit 1`;
  return { constructionPermit: row ?? null };
}

/**
 * W3: pesticide use of highly and moderately toxic products on cultivated land, 2020–2024, per district and
 * year: the hub's aggregate statement, written by hand (count, two sums), in the hub's answer shape.
 */
async function w3(): Promise<unknown> {
  const rows = await sql`
    select district, year, count(*)::int as count, sum(amount_kg)::float8 as amount_kg,
      sum(area_mu)::float8 as area_mu
    from pesticide_use
    where deleted = false and land_category = 'CULTIVATED' and toxicity_class in ('HIGH', 'MODERATE')
      and year between 2020 and 2024
    group by district, year order by district, year`;
  const groups = rows.map((r) => ({
    keys: { district: r.district, year: r.year },
    count: r.count,
    sum: { amountKg: r.amount_kg, areaMu: r.area_mu },
  }));
  return { pesticideUseAggregate: { groups } };
}

type Body = { variables?: { permitNo?: unknown } };
const routes: Record<string, (body: Body) => Promise<unknown>> = {
  '/w1': w1,
  '/w2': w2,
  '/w3': w3,
  '/w6': w6,
};

const server = http.createServer((request, response) => {
  const route = routes[request.url ?? ''];
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const answer = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    if (!route || request.method !== 'POST') return answer(404, { errors: [{ message: 'not found' }] });
    let body: Body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
    } catch {
      return answer(400, { errors: [{ message: 'malformed JSON' }] });
    }
    route(body).then(
      (data) => answer(200, { data }),
      (error: Error) => answer(500, { errors: [{ message: error.message }] }),
    );
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});

const stop = async () => {
  server.close();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
