// Sesame passkeys: the browser side of session/passkey's handlers.
// An ES module, no build step, no dependency:
//
//   import { supported, register, login, autofill } from "/passkey/passkey.js";
//
// Every function resolves to the server's JSON answer or throws a PasskeyError
// whose message can be shown to the user.

const base = new URL(".", import.meta.url).pathname; // "/passkey/"

export class PasskeyError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = "PasskeyError";
    this.reason = reason || "";
  }
}

// supported reports whether this browser can use passkeys at all.
export function supported() {
  return typeof window !== "undefined" && window.isSecureContext &&
    typeof window.PublicKeyCredential === "function" &&
    !!(navigator.credentials && navigator.credentials.create);
}

function requireSupport() {
  if (!window.isSecureContext) {
    throw new PasskeyError("Passkeys need a secure page (HTTPS).", "unsupported");
  }
  if (!supported()) {
    throw new PasskeyError("This browser does not support passkeys (WebAuthn). Update it or use another browser.", "unsupported");
  }
}

function toBytes(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toB64u(buf) {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const messages = {
  not_logged_in: "Log in first to add a passkey.",
  no_ceremony: "This request expired or was already used. Try again.",
  expired: "This request expired. Try again.",
  unknown_credential: "This passkey is not registered here.",
  counter: "This passkey was refused: it may have been copied. Contact support.",
  backup_eligible: "This passkey changed since it was registered and was refused.",
  user_verification: "Your device must verify you (PIN, fingerprint or face).",
  verification: "The passkey could not be verified.",
  duplicate: "This passkey is already registered.",
  weak_key: "This authenticator's key is too weak.",
  unavailable: "The service is unavailable. Try again later.",
};

async function post(path, body) {
  const resp = await fetch(base + path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try {
    data = await resp.json();
  } catch (e) {
    data = {};
  }
  if (!resp.ok) {
    throw new PasskeyError(messages[data.error] || "The server refused the request (" + resp.status + ").", data.error);
  }
  return data;
}

function creationOptions(pk) {
  const o = { ...pk, challenge: toBytes(pk.challenge), user: { ...pk.user, id: toBytes(pk.user.id) } };
  if (pk.excludeCredentials) {
    o.excludeCredentials = pk.excludeCredentials.map((c) => ({ ...c, id: toBytes(c.id) }));
  }
  return o;
}

function requestOptions(pk) {
  const o = { ...pk, challenge: toBytes(pk.challenge) };
  if (pk.allowCredentials) {
    o.allowCredentials = pk.allowCredentials.map((c) => ({ ...c, id: toBytes(c.id) }));
  }
  return o;
}

function credentialJSON(cred) {
  const r = cred.response;
  const out = {
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    response: { clientDataJSON: toB64u(r.clientDataJSON) },
  };
  if (r.attestationObject) {
    out.response.attestationObject = toB64u(r.attestationObject);
    if (r.getTransports) out.response.transports = r.getTransports();
  } else {
    out.response.authenticatorData = toB64u(r.authenticatorData);
    out.response.signature = toB64u(r.signature);
    if (r.userHandle) out.response.userHandle = toB64u(r.userHandle);
  }
  return out;
}

function browserError(e) {
  if (e instanceof PasskeyError) return e;
  if (e && e.name === "NotAllowedError") return new PasskeyError("The passkey request was cancelled or timed out.", "cancelled");
  if (e && e.name === "InvalidStateError") return new PasskeyError("This device already holds a passkey for this account.", "duplicate");
  if (e && e.name === "AbortError") return new PasskeyError("The passkey request was replaced.", "aborted");
  return new PasskeyError("The passkey request failed: " + (e && e.message ? e.message : e), "browser");
}

// The pending conditional get (autofill): a browser runs one WebAuthn request
// at a time, so another waits until it is aborted and settled.
let pending = null; // {ctl: AbortController, settled: Promise}

async function abortPending() {
  const p = pending;
  pending = null;
  if (p) {
    p.ctl.abort();
    await p.settled;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the browser close it
  }
}

// register creates a passkey for the logged-in user (or, through the
// server's enrolment hook, for what fields describe, e.g. {username}).
export async function register(fields) {
  requireSupport();
  await abortPending();
  try {
    const opts = await post("register/begin", fields);
    const cred = await navigator.credentials.create({ publicKey: creationOptions(opts.publicKey) });
    return await post("register/finish", credentialJSON(cred));
  } catch (e) {
    throw browserError(e);
  }
}

// login signs in with a passkey: username-first when username is given,
// otherwise with any passkey of this site the device holds.
export async function login(username) {
  requireSupport();
  await abortPending();
  try {
    const opts = await post("login/begin", username ? { username } : {});
    const cred = await navigator.credentials.get({ publicKey: requestOptions(opts.publicKey) });
    return await post("login/finish", credentialJSON(cred));
  } catch (e) {
    throw browserError(e);
  }
}

// autofill offers the site's passkeys in the browser's autofill of input
// (which should have autocomplete="username webauthn"); resolves to the
// login's answer when the user picks one, or to null when passkey autofill
// is not available or was replaced by another request.
export async function autofill(input) {
  if (!supported() || !PublicKeyCredential.isConditionalMediationAvailable ||
      !(await PublicKeyCredential.isConditionalMediationAvailable())) {
    return null;
  }
  if (input && !/webauthn/.test(input.getAttribute("autocomplete") || "")) {
    input.setAttribute("autocomplete", "username webauthn");
  }
  await abortPending();
  const ctl = new AbortController();
  let settle;
  const me = { ctl, settled: new Promise((resolve) => { settle = resolve; }) };
  pending = me;
  try {
    const opts = await post("login/begin", {});
    if (ctl.signal.aborted) return null;
    const cred = await navigator.credentials.get({ publicKey: requestOptions(opts.publicKey), mediation: "conditional", signal: ctl.signal });
    if (pending === me) pending = null;
    settle();
    return await post("login/finish", credentialJSON(cred));
  } catch (e) {
    if (ctl.signal.aborted) return null;
    throw browserError(e);
  } finally {
    settle();
  }
}
