/**
 * A campaign's custom condition: a JSON Logic rule (jsonlogic.com) over the order, evaluated by
 * json-logic-js — an interpreter of plain JSON, so a rule can never run code (no eval, no Function).
 * Rules come from tenants, so they are checked before they are saved: operators from a fixed list
 * (`log` left out: it writes to stdout), data paths that name documented fields only (a typo such as
 * "order.totl" would otherwise read null and silently never match), and a bounded size.
 *
 * The data a rule sees (`customRuleData`), with null for anything unknown:
 *   order:    ref, status, total, currency, country, locale, store (code), placedAt (ISO 8601),
 *             itemCount (lines), quantity (units), items: [{sku, name, quantity, price, gtin}]
 *   customer: group, country, locale, ordersCount, totalSpent (including this order), emailDomain
 * Inside some/all/none/map/filter, `var` reads the current element ({"var": "sku"}); inside reduce it
 * reads "current" and "accumulator". Example: {"and": [{">=": [{"var": "order.total"}, 20]},
 * {"none": [{"var": "order.items"}, {"in": ["GIFT", {"var": "sku"}]}]}]}.
 */
import jsonLogic from 'json-logic-js';
import type { Order } from './order.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON Logic operation: an object with exactly one operator key. */
export type CustomRule = { [operator: string]: JsonValue };

export type CustomRuleData = {
  order: {
    ref: string;
    status: string;
    total: number;
    currency: string;
    country: string | null;
    locale: string | null;
    store: string;
    placedAt: string;
    itemCount: number;
    quantity: number;
    items: { sku: string; name: string; quantity: number; price: number; gtin: string | null }[];
  };
  customer: {
    group: string | null;
    country: string | null;
    locale: string | null;
    ordersCount: number | null;
    totalSpent: number | null;
    emailDomain: string | null;
  };
};

export type CustomRuleCheck = { ok: true; value: CustomRule } | { ok: false; message: string };
export type CustomRuleOutcome = { matched: boolean; error?: string };

const OPERATORS = new Set([
  'var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=', '!==', '!', '!!', 'or', 'and',
  '>', '>=', '<', '<=', 'max', 'min', '+', '-', '*', '/', '%', 'map', 'filter', 'reduce', 'all',
  'none', 'some', 'merge', 'in', 'cat', 'substr',
]);
const PER_ELEMENT = new Set(['map', 'filter', 'all', 'none', 'some']);
const MAX_NODES = 500;
const MAX_DEPTH = 32;
const MAX_STRING = 1000;
const SEGMENT = /^(?:[A-Za-z][A-Za-z0-9_]*|\d{1,6})$/;
// json-logic-js's `var` walks plain property access, so a path must not reach the prototypes' methods.
const FORBIDDEN_SEGMENTS = new Set(
  [Object.prototype, Array.prototype, String.prototype, Number.prototype, Function.prototype]
    .flatMap((p) => Object.getOwnPropertyNames(p))
    .filter((name) => name !== 'length'),
);
const ROOTS: Record<Scope, readonly string[] | null> = {
  root: ['order', 'customer'],
  element: null,
  reduce: ['current', 'accumulator'],
};

// The fields of CustomRuleData, for catching typos at save time (a test keeps the two in step).
export const customRuleFields: Readonly<Record<'order' | 'customer', readonly string[]>> = {
  order: ['ref', 'status', 'total', 'currency', 'country', 'locale', 'store', 'placedAt', 'itemCount', 'quantity', 'items'],
  customer: ['group', 'country', 'locale', 'ordersCount', 'totalSpent', 'emailDomain'],
};

type Scope = 'root' | 'element' | 'reduce';
type Walk = { nodes: number };

/** Structure, operators, paths and size. A failure names where the rule went wrong. */
export function checkCustomRule(rule: unknown): CustomRuleCheck {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    return { ok: false, message: 'must be a JSON Logic operation like {"==": [{"var": "order.currency"}, "EUR"]}' };
  }
  const problem = walk(rule, 'root', 0, 'rule', { nodes: 0 });
  return problem === null ? { ok: true, value: rule as CustomRule } : { ok: false, message: problem };
}

/** Whether the order matches. A rule that fails its check or throws matches nothing. */
export function evaluateCustomRule(rule: unknown, data: CustomRuleData): CustomRuleOutcome {
  const check = checkCustomRule(rule);
  if (!check.ok) return { matched: false, error: check.message };
  try {
    return { matched: jsonLogic.truthy(jsonLogic.apply(check.value, data)) };
  } catch (err) {
    return { matched: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function customRuleData(order: Order): CustomRuleData {
  const { customer } = order;
  const email = customer.emailNorm ?? customer.email ?? '';
  const at = email.lastIndexOf('@');
  return {
    order: {
      ref: order.ref,
      status: order.status,
      total: order.total,
      currency: order.currency,
      country: customer.country ?? null,
      locale: customer.locale ?? null,
      store: order.store.code,
      placedAt: order.placedAt.toISOString(),
      itemCount: order.items.length,
      quantity: order.items.reduce((sum, item) => sum + item.quantity, 0),
      items: order.items.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, price: i.price, gtin: i.gtin ?? null })),
    },
    customer: {
      group: customer.group ?? null,
      country: customer.country ?? null,
      locale: customer.locale ?? null,
      ordersCount: customer.ordersCount ?? null,
      totalSpent: customer.totalSpent ?? null,
      emailDomain: at >= 0 ? email.slice(at + 1).toLowerCase() : null,
    },
  };
}

function walk(node: unknown, scope: Scope, depth: number, at: string, state: Walk): string | null {
  if (++state.nodes > MAX_NODES) return `is too large (at most ${MAX_NODES} values)`;
  if (depth > MAX_DEPTH) return `is nested too deeply (at most ${MAX_DEPTH} levels)`;
  if (node === null || typeof node === 'boolean') return null;
  if (typeof node === 'number') return Number.isFinite(node) ? null : `${at}: numbers must be finite`;
  if (typeof node === 'string') return node.length <= MAX_STRING ? null : `${at}: strings must be at most ${MAX_STRING} characters`;
  if (Array.isArray(node)) return walkAll(node, scope, depth, at, state);
  if (typeof node !== 'object' || Object.getPrototypeOf(node) !== Object.prototype) return `${at}: is not JSON`;

  const keys = Object.keys(node);
  if (keys.length !== 1) return `${at}: an operation has exactly one operator, like {"==": [a, b]}; found ${keys.length} keys`;
  const op = keys[0]!;
  if (!OPERATORS.has(op)) return `${at}: unknown operator "${op}"`;
  const raw = (node as Record<string, unknown>)[op];
  const args = Array.isArray(raw) ? raw : [raw];
  const here = `${at}.${op}`;

  if (op === 'var') {
    if (args.length < 1 || args.length > 2) return `${here}: takes a path and an optional default`;
    const pathProblem = checkPath(args[0], scope, here);
    return pathProblem ?? (args.length === 2 ? walk(args[1], scope, depth + 1, `${here}[1]`, state) : null);
  }
  if (op === 'missing') return walkPaths(args.length === 1 && Array.isArray(args[0]) ? args[0] : args, scope, here);
  if (op === 'missing_some') {
    if (args.length !== 2 || typeof args[0] !== 'number' || !Array.isArray(args[1])) return `${here}: takes [count, [paths]]`;
    return walkPaths(args[1], scope, here);
  }
  if (PER_ELEMENT.has(op) || op === 'reduce') {
    const arity = op === 'reduce' ? args.length === 2 || args.length === 3 : args.length === 2;
    if (!arity) return `${here}: takes ${op === 'reduce' ? '[array, rule, initial?]' : '[array, rule]'}`;
    return (
      walk(args[0], scope, depth + 1, `${here}[0]`, state) ??
      walk(args[1], op === 'reduce' ? 'reduce' : 'element', depth + 1, `${here}[1]`, state) ??
      (args.length === 3 ? walk(args[2], scope, depth + 1, `${here}[2]`, state) : null)
    );
  }
  return walkAll(args, scope, depth, here, state);
}

function walkAll(nodes: readonly unknown[], scope: Scope, depth: number, at: string, state: Walk): string | null {
  for (let i = 0; i < nodes.length; i++) {
    const problem = walk(nodes[i], scope, depth + 1, `${at}[${i}]`, state);
    if (problem !== null) return problem;
  }
  return null;
}

function walkPaths(paths: readonly unknown[], scope: Scope, at: string): string | null {
  for (const path of paths) {
    const problem = checkPath(path, scope, at);
    if (problem !== null) return problem;
  }
  return null;
}

function checkPath(path: unknown, scope: Scope, at: string): string | null {
  if (typeof path === 'number') {
    return scope !== 'root' && Number.isInteger(path) && path >= 0 ? null : `${at}: a number path only indexes an array element`;
  }
  if (typeof path !== 'string') return `${at}: the path must be a literal string like "order.total"`;
  if (path === '') return scope === 'root' ? `${at}: name a field, like "order.total"` : null;
  const segments = path.split('.');
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || FORBIDDEN_SEGMENTS.has(segment)) return `${at}: "${path}" is not a valid data path`;
  }
  const roots = ROOTS[scope];
  if (roots !== null && !roots.includes(segments[0]!)) {
    return `${at}: "${path}" must start with ${roots.map((r) => `"${r}."`).join(' or ')}`;
  }
  if (scope === 'root' && segments.length > 1) {
    const fields = customRuleFields[segments[0] as 'order' | 'customer'];
    if (!fields.includes(segments[1]!)) return `${at}: "${path}" is not a field; ${segments[0]} has ${fields.join(', ')}`;
  }
  return null;
}
