import { parseArgs } from 'node:util';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '@mfakit/cli';
import { formatRoutes, type GuardedRoute } from '@mfakit/core/http';

/** The demos whose routes `mfakit routes` lists, by framework; the first is the default. */
export const ROUTE_FRAMEWORKS = ['express', 'koa', 'fastify', 'nestjs'] as const;

/** One of {@link ROUTE_FRAMEWORKS}. */
export type RouteFramework = (typeof ROUTE_FRAMEWORKS)[number];

/** Builds a demo's app and lists its routes with what guards each (its adapter's `mfaRoutes`). */
export type RouteTable = () => Promise<GuardedRoute[]>;

/** Where the command writes: the process's streams, or a test's buffers. */
export interface RoutesIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The lines `mfakit --help` adds for `routes`, in the layout of the CLI's own usage. */
export const ROUTES_USAGE = `
Command of the demos (needs no store, works while a demo runs):
  routes [--framework express|koa|fastify|nestjs]
                                     Every route of that demo (default express) and what
                                     guards it: requireMfa and its requirement, mfakit (the
                                     enrollment and admin routers) or NONE; then how many
                                     routes nothing guards.
`;

/**
 * `mfakit routes [--framework <name>]`: prints the route table of one demo (`formatRoutes`), then a
 * line saying how many of its routes nothing guards. The demos are given as `tables`, built by the
 * caller (`DEMO_ROUTE_TABLES` of demoRoutes.ts), so that this command knows no demo. A demo that
 * fails to build is exit code 1 with its message.
 *
 * @param argv - What follows `routes` on the command line, e.g. `['--framework', 'koa']`.
 * @param io - Where to write.
 * @param tables - How to list the routes of each demo.
 * @returns The exit code: 0 printed, 1 the demo could not be built, 2 wrong command line.
 *
 * @example
 * process.exitCode = await routesCommand(['--framework', 'koa'], io, DEMO_ROUTE_TABLES);
 */
export async function routesCommand(argv: string[], io: RoutesIo, tables: Record<RouteFramework, RouteTable>): Promise<number> {
  let framework: string;
  try {
    const { values } = parseArgs({ args: argv, options: { framework: { type: 'string', default: ROUTE_FRAMEWORKS[0] }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      io.stdout(ROUTES_USAGE.trimStart());
      return EXIT_OK;
    }
    framework = values.framework;
  } catch (err) {
    io.stderr(`mfakit routes: ${(err as Error).message}\n${ROUTES_USAGE.trimStart()}`);
    return EXIT_USAGE;
  }
  if (!isFramework(framework)) {
    io.stderr(`mfakit routes: no demo for ${JSON.stringify(framework.slice(0, 40))}; --framework is one of ${ROUTE_FRAMEWORKS.join(', ')}.\n`);
    return EXIT_USAGE;
  }
  let routes: GuardedRoute[];
  try {
    routes = await tables[framework]();
  } catch (err) {
    io.stderr(`mfakit routes --framework ${framework} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
  const open = routes.filter((route) => route.guard.by === 'none').length;
  io.stdout(`${formatRoutes(routes)}\n\nNothing guards ${open} of the ${routes.length} routes of the ${framework} demo (NONE).\n`);
  return EXIT_OK;
}

function isFramework(name: string): name is RouteFramework {
  return (ROUTE_FRAMEWORKS as readonly string[]).includes(name);
}
