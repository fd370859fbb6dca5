// Calls to the Genk3600 API with the signed-in staff member's bearer token; problems become ApiError.
import { language } from "./i18n.js";

const TOKEN_KEY = "genk3600.token";

// What a person reads of a problem: each field's message for a validation problem (the detail names fields by
// their API paths), else the detail; the server writes both in the console's language (Accept-Language).
function problemText(status, problem) {
  const messages = (problem?.errors || []).map((error) => error.message).filter(Boolean);
  if (messages.length) return [...new Set(messages)].join("; ");
  return problem?.detail || problem?.title || `HTTP ${status}`;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(status, problem));
    this.status = status;
    this.problem = problem || {};
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthorised = () => {};
export function whenUnauthorised(callback) {
  onUnauthorised = callback;
}

function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Returns {data, headers}; `options.json` is sent as the body, `options.headers` are added.
export async function request(method, path, options = {}) {
  // Accept-Language: texts the server renders (timeline, role sentences) come in the console's language.
  const headers = { Accept: "application/json, application/problem+json", "Accept-Language": language(), ...(options.headers || {}) };
  const current = token();
  if (current && !options.anonymous) headers.Authorization = `Bearer ${current}`;
  let body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  // Every creating POST carries an Idempotency-Key, so a retried click never records twice.
  if (method === "POST") headers["Idempotency-Key"] = options.idempotencyKey || idempotencyKey();
  const response = await fetch(path, { method, headers, body });
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401 && !options.anonymous) onUnauthorised();
    throw new ApiError(response.status, typeof data === "object" ? data : { detail: data });
  }
  return { data, headers: response.headers };
}

export async function get(path, options) {
  return (await request("GET", path, options)).data;
}

export async function post(path, json, options = {}) {
  return (await request("POST", path, { ...options, json })).data;
}

export function unauthorised() {
  onUnauthorised();
}
