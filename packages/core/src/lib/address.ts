import { isIPv6 } from 'node:net';

/**
 * The counter's key for an address, as express-rate-limit's `ipKeyGenerator`: IPv4 as is (also
 * when written IPv4-mapped, `::ffff:127.0.0.1`), IPv6 as its /56 network (`2001:db8:1234:5600::/56`).
 *
 * @param ip - The client address, or undefined (keyed as `''`: all such requests share one count).
 * @returns The key the rate limiter counts under.
 * @example
 * clientKey('::ffff:192.0.2.7'); // '192.0.2.7'
 * clientKey('2001:db8:1234:5678::1'); // '2001:db8:1234:5600::/56'
 */
export function clientKey(ip: string | undefined): string {
  if (!ip || !isIPv6(ip)) return ip ?? '';
  let text = ip.split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embedsIPv4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || (g5 === 0 && dotted !== null));
  if (embedsIPv4) return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  // An IPv6 subscriber usually holds a whole /56 or /64: per-address keys would let it rotate.
  return `${compress([g0, g1, g2, g3 & 0xff00, 0, 0, 0, 0])}/56`;
}

/** RFC 5952 text of eight groups: the longest run of two or more zero groups becomes `::`. */
function compress(groups: number[]): string {
  let best = { start: -1, length: 1 };
  for (let start = 0; start < groups.length; start += 1) {
    let length = 0;
    while (groups[start + length] === 0) length += 1;
    if (length > best.length) best = { start, length };
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
