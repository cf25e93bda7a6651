// One demo instance of the load test: the demo of the folder it is started in (examples/<framework>),
// run exactly as `pnpm start` runs it (its own src/server.ts, the stores and options from the
// environment), with MFAKIT_LOAD_USERS accounts added to the demo's user table (see loadUsers.ts).
// The demo has five accounts, and each simulated user needs one of its own. test/fleet/harness.ts
// starts it: DemoInstance.start(framework, env, { entry: <this file> }).
// With BENCH_CPU_PROFILE_DIR=<folder>, SIGUSR2 starts V8's CPU profiler and a second SIGUSR2 stops
// it and writes <folder>/load-<framework>.cpuprofile (the run alone, without start-up and set-up).
import path from 'node:path';
import { LOAD_USERS_VARIABLE, type UserTable, withLoadUsers } from './loadUsers';
import { profileFile, profileOnSignal } from './profile';

const USER_TABLE = path.resolve(__dirname, '../../../examples/shared/src/users.ts');

/**
 * Puts the extended table in the module cache before the demo loads: every `import ... from
 * './users'` of the demo then reads it. The demo's modules read their imports at each call, so
 * nothing else changes.
 */
function extendUserTable(count: number): void {
  const table = require(USER_TABLE) as UserTable;
  const cached = require.cache[require.resolve(USER_TABLE)];
  if (!cached) throw new Error(`the demo's user table was not loaded from ${USER_TABLE} as a CommonJS module: the load users cannot be added`);
  cached.exports = withLoadUsers(table, count);
}

extendUserTable(Number(process.env[LOAD_USERS_VARIABLE] ?? 0));
if (process.env.BENCH_CPU_PROFILE_DIR) profileOnSignal(profileFile(process.env.BENCH_CPU_PROFILE_DIR, path.basename(process.cwd())));
require(path.join(process.cwd(), 'src/server.ts'));
