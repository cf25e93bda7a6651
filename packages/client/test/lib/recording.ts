import type { MfaFetch, MfaPrompt, PromptAnswer, PromptContext, SessionStore, StepUpChallenge } from '@mfakit/client';

/** One call of a scripted prompt: what it was shown. */
export interface PromptCall {
  challenge: StepUpChallenge;
  context: PromptContext;
}

/** A prompt that answers from a script, in order, and records every call; it fails the test when the script runs out. */
export function scriptedPrompt(...answers: Array<PromptAnswer | null | ((call: PromptCall) => PromptAnswer | null | Promise<PromptAnswer | null>)>): { prompt: MfaPrompt; calls: PromptCall[] } {
  const calls: PromptCall[] = [];
  const prompt: MfaPrompt = async (challenge, context) => {
    const call = { challenge, context };
    calls.push(call);
    if (calls.length > answers.length) throw new Error(`prompt called ${calls.length} times, scripted for ${answers.length}`);
    const answer = answers[calls.length - 1]!;
    return typeof answer === 'function' ? answer(call) : answer;
  };
  return { prompt, calls };
}

/** What a recording fetch saw of one request: method, URL, headers and the body as text. */
export interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string | null;
}

/**
 * Node's own fetch, recording each request it sends (the body read from a copy): the tests see
 * what went over the wire without standing in for the server.
 */
export function recordingFetch(): { fetch: MfaFetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const recording: MfaFetch = async (input, init) => {
    const request = new Request(input, init);
    const body = request.body === null ? null : await request.clone().text();
    sent.push({ method: request.method, url: request.url, headers: request.headers, body });
    return fetch(request);
  };
  return { fetch: recording, sent };
}

/** The JSON answers of the demo, in the shapes the tests read. */
export interface DemoBody {
  code?: string;
  mfa?: { userId: string; amr: string[]; factorId: string };
  transfer?: { from: string; to: string; amount: number };
  sessionToken?: string;
  factorId?: string;
  messages?: Array<{ code: string }>;
}

/** The JSON body of an answer. */
export const bodyOf = async (res: Response): Promise<DemoBody> => (await res.json()) as DemoBody;

/** A session store that remembers every token it was given, in order. */
export function recordingSession(): SessionStore & { history: Array<string | null> } {
  let token: string | null = null;
  const history: Array<string | null> = [];
  return {
    history,
    get: () => token,
    set: (value) => {
      token = value;
      history.push(value);
    },
  };
}
