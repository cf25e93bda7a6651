import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** A request that did not get an answer the user's state allows. */
export interface WrongDecision {
  user: string;
  /** What the user was doing, e.g. 'transfer'. */
  action: string;
  /** The instance that answered. */
  instance: string;
  request: string;
  /** The answers the model allowed, as `<status> <code>`. */
  expected: string[];
  got: string;
  /** Why the model expected that, in a few words. */
  because: string;
}

/** Latency percentiles, ms. */
export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const MAX_KEPT = 50; // examples kept for the report; every one is counted

/**
 * What a load run counted: latency (overall and per action), answers by action and outcome,
 * responses with a 5xx status, network errors, and wrong decisions with the first examples.
 */
export class LoadStats {
  readonly overall = createHistogram();
  private readonly byAction = new Map<string, RecordableHistogram>();
  /** `<action> <status> <code>` -> count: what the run exercised. */
  readonly outcomes = new Map<string, number>();
  /** Instance name -> requests it answered. */
  readonly byInstance = new Map<string, number>();
  fiveXx = 0;
  errors = 0;
  wrong = 0;
  /** Answers whose expectation depended on when exactly the server judged them (a slow request): both were allowed. */
  ambiguous = 0;
  readonly wrongExamples: WrongDecision[] = [];
  readonly errorExamples: string[] = [];

  /** Counts one request answered by `instance`. */
  answered(action: string, instance: string, status: number, code: string | undefined, ms: number): void {
    this.byInstance.set(instance, (this.byInstance.get(instance) ?? 0) + 1);
    const micros = Math.max(1, Math.round(ms * 1000));
    this.overall.record(micros);
    const histogram = this.byAction.get(action) ?? createHistogram();
    this.byAction.set(action, histogram);
    histogram.record(micros);
    const outcome = `${action} ${status}${code ? ` ${code}` : ''}`;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (status >= 500) this.fiveXx += 1;
  }

  /** Counts a request that failed without an answer (connection refused or reset, timeout). */
  failed(action: string, error: Error): void {
    this.errors += 1;
    if (this.errorExamples.length < MAX_KEPT) this.errorExamples.push(`${action}: ${error.message}`);
  }

  /** Counts a wrong decision. */
  wrongDecision(decision: WrongDecision): void {
    this.wrong += 1;
    if (this.wrongExamples.length < MAX_KEPT) this.wrongExamples.push(decision);
  }

  /** The percentiles of every request, or of one action's. */
  latency(action?: string): Latency {
    const histogram = action === undefined ? this.overall : this.byAction.get(action);
    if (!histogram || histogram.count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const ms = (micros: number) => Math.round(micros / 10) / 100;
    return { count: histogram.count, p50: ms(histogram.percentile(50)), p95: ms(histogram.percentile(95)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  }

  /** The actions seen, busiest first. */
  actions(): string[] {
    return [...this.byAction.entries()].sort((a, b) => b[1].count - a[1].count).map(([action]) => action);
  }
}
