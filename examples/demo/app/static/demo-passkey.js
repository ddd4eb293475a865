// The demo's passkey page: sign up, log in (button or autofill), add a passkey.
import { supported, register, login, autofill } from "/passkey/passkey.js";

const messages = {
  unsupported: "Ce navigateur ne sait pas utiliser les clés d’accès (WebAuthn) : utilisez un navigateur à jour, sur http://localhost ou en HTTPS.",
  not_logged_in: "Connectez-vous d’abord pour ajouter une clé.",
  no_ceremony: "Cette demande a expiré ou a déjà servi. Recommencez.",
  expired: "Cette demande a expiré. Recommencez.",
  unknown_credential: "Cette clé d’accès n’est pas enregistrée ici.",
  counter: "Clé refusée : elle a peut-être été copiée.",
  backup_eligible: "Clé refusée : elle a changé depuis son enregistrement.",
  user_verification: "Votre appareil doit vous vérifier (code, empreinte ou visage).",
  verification: "La clé d’accès n’a pas pu être vérifiée.",
  duplicate: "Cette clé d’accès est déjà enregistrée.",
  unavailable: "Le service est indisponible. Réessayez plus tard.",
};
const status = document.getElementById("statut-passkey");
const show = (msg) => { status.textContent = msg; };
const fail = (e) => show(messages[e.reason] || ("Échec : " + (e.reason || e.name || "erreur")));
const reload = () => location.assign("/passkey");
const on = (id, f) => {
  const el = document.getElementById(id);
  if (el) el.addEventListener("click", () => f().catch(fail));
};

if (!supported()) {
  show(messages.unsupported);
} else {
  const name = document.getElementById("nom");
  if (name) autofill(name).then((r) => { if (r) reload(); }).catch(() => {});
  on("inscription", async () => {
    await register({ username: name.value.trim() });
    show("Clé d’accès créée pour " + name.value.trim() + ". Connectez-vous avec elle.");
  });
  on("connexion-passkey", async () => { await login(name.value.trim()); reload(); });
  on("ajouter", async () => { await register({}); show("Clé d’accès ajoutée."); });
}
