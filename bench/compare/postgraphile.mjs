/**
 * PostGraphile 5 over the hub's tables, for bench/compare.ts: the Amber preset as documented, a pg pool of
 * BENCH_POOL connections, no GraphiQL, no watch mode, no explain. It runs on Node 22 from a scratch folder
 * outside the project (PostGraphile is not a project dependency), so this file is plain JavaScript that
 * the project's tsc does not check; the scratch folder is passed as PG5_DIR and the packages are loaded
 * from there.
 *
 * Smart tags (not database changes) tell PostGraphile what the hub's catalogue tells the hub: the natural
 * keys are unique (they are unique indexes, not constraints, so PostGraphile would not offer a lookup)
 * and a construction permit's parcel code names its plot (the hub's `landUseChange` link). `deleted` may
 * be filtered on, so that PostGraphile, like the hub, reads live records only.
 *
 *   PG5_DIR=/work/scratch/pg5 DATABASE_URL=… PORT=0 BENCH_POOL=10 node22 bench/compare/postgraphile.mjs
 *
 * Prints one line `{"ready":true,"port":N}` on stdout when it listens.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const scratch = process.env.PG5_DIR;
if (!scratch) throw new Error('PG5_DIR must name the folder where postgraphile is installed');
const require = createRequire(join(scratch, 'package.json'));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);

const [{ postgraphile }, { PostGraphileAmberPreset }, { makePgService }, { grafserv }, { jsonPgSmartTags }] =
  await Promise.all([
    load('postgraphile'),
    load('postgraphile/presets/amber'),
    load('postgraphile/adaptors/pg'),
    load('postgraphile/grafserv/node'),
    load('postgraphile/utils'),
  ]);

// W3 (a filtered aggregate) needs two plugins, loaded when the scratch folder holds them: aggregates from
// @graphile/pg-aggregates (0.2.0-rc, the first release for PostGraphile 5) and the range and list filters
// from postgraphile-plugin-connection-filter (`condition` only tests equality). Without them, no W3 here.
const optional = (name, preset) =>
  load(name).then(
    (module) => module[preset],
    () => undefined,
  );
const [aggregates, filters] = await Promise.all([
  optional('@graphile/pg-aggregates', 'PgAggregatesPreset'),
  optional('postgraphile-plugin-connection-filter', 'PostGraphileConnectionFilterPreset'),
]);
const w3 = Boolean(aggregates && filters);

const SmartTags = jsonPgSmartTags({
  version: 1,
  config: {
    class: {
      construction_permit: {
        tags: {
          unique: 'permit_no',
          foreignKey: '(parcel_code) references land_use_change (parcel_code)|@fieldName landUseChange',
        },
        attribute: { deleted: { tags: { behavior: ['+filterBy'] } } },
      },
      pesticide_use: { attribute: { deleted: { tags: { behavior: ['+filterBy'] } } } },
      land_use_change: {
        tags: { unique: 'parcel_code' },
        attribute: { deleted: { tags: { behavior: ['+filterBy'] } } },
      },
    },
  },
});

const preset = {
  extends: [PostGraphileAmberPreset, ...(w3 ? [aggregates, filters] : [])],
  plugins: [SmartTags],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ['public'],
      poolConfig: { max: Number(process.env.BENCH_POOL || 10) },
    }),
  ],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.once('listening', () => {
  server.on('error', (error) => console.error(error));
});
await serv.addTo(server);
await pgl.getSchema();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port, aggregates: w3 })}\n`);
});

const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
