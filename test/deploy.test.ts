import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';
import { migrationsFolder } from '../src/db/migrate.js';
import { WEB_DIST } from '../src/http/web.js';

/**
 * deploy/docker-compose.yml, checked without Docker (no machine here has Compose): valid against the
 * Compose Specification's own JSON schema (test/fixtures/README.md), its hub's environment accepted by the
 * hub's configuration and documented, every file it names present, and the image holding what the hub
 * reads at run time.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const deploy = join(root, 'deploy');
const composeText = readFileSync(join(deploy, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as {
  services: Record<
    string,
    {
      build?: { context: string; dockerfile: string };
      environment?: Record<string, string>;
      volumes?: string[];
      deploy?: { replicas?: number };
    }
  >;
  secrets: Record<string, { file: string }>;
};

function validator() {
  const schema = JSON.parse(readFileSync(join(root, 'test/fixtures/compose-spec.json'), 'utf8'));
  // The schema names draft-07 by its https address; Ajv knows draft-07 as its default meta-schema.
  delete schema.$schema;
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
}

/** `${NAME:?message}` and `${NAME}` as Compose interpolates them, from `values`. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::\?[^}]*)?\}/g, (_all, name: string) => {
    if (!(name in values)) throw new Error(`${name} is not set`);
    return values[name];
  });
}

describe('deploy/docker-compose.yml', () => {
  it('is valid against the Compose Specification, and the validator refuses a broken file', () => {
    const validate = validator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // a misspelt key, the mistake Compose would refuse at `docker compose up`
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.hub.enviroment = broken.services.hub.environment;
    expect(validate(broken)).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/"additionalProperty":"enviroment"/);
  });

  it('gives the hub an environment its configuration accepts, each setting documented in the README', () => {
    const environment = compose.services.hub.environment ?? {};
    const env = Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        interpolate(String(value), { JINGTU_DB_PASSWORD: 'secret' }),
      ]),
    );
    const config = loadConfig(env);
    expect(config.databaseUrl).toBe('postgres://jingtu:secret@postgres:5432/jingtu');
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(4000);
    expect(config.trustedProxies).toEqual(['uniquelocal']);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of Object.keys(environment)) expect(readme, name).toContain(`\`${name}\``);
    // a password left unset stops Compose with its message, not a hub started without one
    expect(() => interpolate(String(environment.DATABASE_URL), {})).toThrow(/JINGTU_DB_PASSWORD/);
  });

  it('names only files that exist, and keeps its secrets out of the repository', () => {
    const build = compose.services.hub.build as { context: string; dockerfile: string };
    expect(existsSync(join(deploy, build.context, build.dockerfile))).toBe(true);
    for (const service of Object.values(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.')) expect(existsSync(join(deploy, source)), volume).toBe(true);
      }
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8');
    for (const secret of Object.values(compose.secrets)) {
      expect(secret.file.startsWith('./secrets/')).toBe(true);
    }
    expect(ignored).toMatch(/^deploy\/secrets\/$/m);
    expect(ignored).toMatch(/^deploy\/\.env$/m);
  });

  it('builds an image that holds what the hub reads at run time', () => {
    const dockerfile = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((m) => m[1]);
    for (const needed of ['bin', 'dist', 'node_modules', 'package.json']) expect(copied).toContain(needed);
    // the folders the hub's own code reads from (the built web pages, the migrations)
    for (const folder of [WEB_DIST, migrationsFolder]) {
      const path = relative(root, folder).replace(/\/$/, '');
      expect(copied, path).toContain(path);
    }
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/jingtu\.js", "serve"\]$/m);
    // the build context leaves out the secrets, the local database and what the install builds again
    const ignored = readFileSync(join(deploy, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const path of ['deploy/secrets', 'deploy/.env', 'data', 'node_modules', '.git'])
      expect(ignored).toContain(path);
  });
});
