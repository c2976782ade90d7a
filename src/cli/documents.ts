import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Database } from '../db/connection.js';

/**
 * `jingtu documents push FILE --principal CODE` and `jingtu documents list`: trusted documents, registered
 * by the hub's operator on the hub's machine, against its database, as keys are created (and audited as
 * they are). Not over HTTP with a key: no key, stolen or not, can register a document, so a documents-only
 * key cannot be turned into an exploring one. The work is in documentsPush.ts, loaded when a command runs
 * (it loads the GraphQL schema, to validate the documents).
 */

/** What main.ts lends the commands: its database runner, its configuration, and its one-line refusal. */
export interface DocumentsCommandHost {
  withDatabase(work: (database: Database) => Promise<void>): Promise<void>;
  config(): Promise<Config>;
  refused(message: string): Error;
}

const PUSH_HELP = `
FILE is a manifest of the operations a principal's systems run, as client tooling writes it:
  Apollo's   {"format": "apollo-persisted-query-manifest", "version": 1,
              "operations": [{"id": "<sha256>", "name": "…", "type": "query", "body": "…"}]}
             (npx generate-persisted-query-manifest)
  The Guild  {"<sha256>": "<document>", …}
             (graphql-codegen client preset, persistedDocuments: { hashAlgorithm: 'sha256' })
Each entry's id must be the SHA-256 of its body; each body one named query or mutation, valid against the
hub's schema and within its query limits. A manifest with any bad entry registers nothing: every problem
is listed on stderr, one line each, and the command exits 1. Documents already registered stay as they
are, so pushing the same manifest again changes nothing. Registrations are audited (DOCUMENTS_REGISTER).`;

export function registerDocumentsCommands(program: Command, host: DocumentsCommandHost): void {
  const documents = program.command('documents').description('trusted documents (persisted queries)');
  documents
    .command('push <file>')
    .description("register a manifest's operations for a principal's systems")
    .requiredOption('--principal <code>', 'the department (or district) whose systems run them')
    .addHelpText('after', PUSH_HELP)
    .action(async (file: string, options: { principal: string }) => {
      const { pushManifest } = await import('./documentsPush.js');
      const { limits } = await host.config();
      await host.withDatabase((database) =>
        pushManifest(database, { file, principal: options.principal, limits }, host.refused),
      );
    });
  documents
    .command('list')
    .description('list registered documents, tab-separated under a header row (never their text)')
    .option('--principal <code...>', 'only these principals')
    .action(async (options: { principal?: string[] }) => {
      const { listDocuments } = await import('../documents/store.js');
      await host.withDatabase(async (database) => {
        console.log(['principal', 'id', 'name', 'type', 'registered'].join('\t'));
        for (const document of await listDocuments(database.db, options.principal)) {
          const { principalCode, id, operationName, operationType, registeredAt } = document;
          console.log([principalCode, id, operationName, operationType, registeredAt].join('\t'));
        }
      });
    });
}
