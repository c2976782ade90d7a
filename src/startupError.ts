/**
 * Why the hub or a command cannot start, in one line a person can act on: a port in use, a data folder it
 * cannot write, a database it cannot reach. The `jingtu` command prints it as `jingtu: …` and exits 1,
 * with no stack trace. Each is found before the work it would make useless (migrations, the demo data).
 */
export class StartupError extends Error {}
