// The application shell: session (who is signed in), hash routing, the header, and the services
// that outlive a page (live alert feed, alarm sound, screen-reader announcer).

import { getSession, logout, saveLanguage } from "./api/auth";
import { Capabilities } from "./api/capabilities";
import { ApiError } from "./api/http";
import type { GatewaySession, Me, PageDto, Role, SignInFailures } from "./api/types";
import { workflow } from "./api/workflow";
import type { AppContext, View } from "./context";
import { initLanguage, onLanguageChange, onLanguageChosen, t, type MessageKey } from "./i18n";
import { boardPage } from "./pages/board/boardPage";
import { casesPage } from "./pages/cases/casesPage";
import { devicesPage } from "./pages/devices/devicesPage";
import { familyPage } from "./pages/family/familyPage";
import { importPage } from "./pages/import/importPage";
import { loginPage } from "./pages/login/loginPage";
import { managePage } from "./pages/manage/managePage";
import { residentsPage } from "./pages/residents/residentsPage";
import { settingsPage } from "./pages/settings/settingsPage";
import { Alarm } from "./sound/alarm";
import { loadCatalog, onCatalog } from "./state/catalog";
import { needsAttention, type AlertChange } from "./state/alertStore";
import { LiveAlerts } from "./state/liveAlerts";
import { Announcer } from "./ui/announcer";
import { h } from "./ui/dom";
import { formatTime, kindLabel, severityLabel, whereText } from "./ui/format";
import { header } from "./ui/header";
import { PageNotices, pageText } from "./ui/pageNotices";
import { offlineFamilyPage } from "./pages/family/offlineFamily";
import { clearFamilySnapshot, loadFamilySnapshot } from "./state/familySnapshot";
import { registerWorker } from "./api/push";

interface Route {
  path: string;
  title: MessageKey;
  /** Roles that may open it; omitted = every signed-in user. */
  roles?: readonly Role[];
  view(ctx: AppContext): View;
}

const RESPONDERS: readonly Role[] = ["Admin", "EmergencyStaff", "GridWorker"];

/** The route table; the first route a user may open is their home page. */
const routes: readonly Route[] = [
  { path: "board", title: "app.boardTitle", roles: RESPONDERS, view: boardPage },
  { path: "residents", title: "app.residentsTitle", roles: RESPONDERS, view: residentsPage },
  { path: "devices", title: "app.devicesTitle", roles: ["Admin", "Technician"], view: devicesPage },
  { path: "family", title: "app.familyTitle", roles: ["Family"], view: familyPage },
  { path: "import", title: "app.importTitle", roles: ["Admin"], view: importPage },
  { path: "cases", title: "app.casesTitle", roles: [...RESPONDERS, "Family"], view: casesPage },
  { path: "manage", title: "app.manageTitle", roles: ["Admin", "EmergencyStaff"], view: managePage },
  { path: "settings", title: "app.settingsTitle", view: settingsPage },
];
const DEFAULT_ROUTE = "board";

function allowed(route: Route, me: Me): boolean {
  return !route.roles || me.roles.some((role) => route.roles?.includes(role));
}

export class App {
  private readonly shell: HTMLElement;
  private readonly alarm = new Alarm();
  private readonly announcer: Announcer;
  private session: AppContext | null = null;
  private sessionCleanup: (() => void)[] = [];
  private mounted: View[] = [];
  private loginNotice: MessageKey | null = null;
  /** Failed sign-ins to this account, told after signing in until dismissed (not again on a reload). */
  private signInFailures: SignInFailures | null = null;
  /** Where to go after signing in (the route that was asked for). */
  private returnTo: string | null = null;
  private announcedLoad = false;
  /** Boot has decided between sign-in and a session and rendered it. */
  private booted = false;
  /** Served by a community gateway (its session answer says so): the duty room's local board, the board page only. */
  private gateway: GatewaySession | null = null;
  /** The hub was unreachable at boot and this device keeps a family's last known status: show that. */
  private offline = false;
  /** A card to focus after the next render ("Show alert" on a page). */
  private focusAlert: number | null = null;
  /** "You are paged" notices; they outlive page renders (not a route's view). */
  private readonly pages = new PageNotices(
    (id) => this.showAlert(id),
    () => this.updateAlarm(false),
  );

  constructor(root: HTMLElement) {
    this.shell = h("div", { class: "shell" });
    this.announcer = new Announcer(document.body);
    root.replaceChildren(this.shell);
    window.addEventListener("hashchange", () => this.render());
    onLanguageChange(() => this.render(true));
    // A catalogue that arrives late (the hub was unreachable at start) puts the right labels in — once boot has rendered:
    // before the session answer a render shows sign-in, which boot then replaces, and what was typed in it with it.
    onCatalog(() => {
      if (this.booted) this.render(true);
    });
  }

  async boot(): Promise<void> {
    initLanguage();
    this.shell.replaceChildren(h("p", { class: "boot", role: "status" }, t("app.loading")));
    // The sensor vocabulary and its texts (both languages), fetched alongside the session: the first page
    // already has every kind's label, icon and unit.
    const vocabulary = this.loadVocabulary();
    try {
      const session = await getSession();
      this.gateway = session.gateway;
      if (session.me) await this.startSession(session.me);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        // Hub unreachable at boot: show sign-in, which explains the problem when used.
        console.warn("Could not load the signed-in user", error);
        this.offline = error instanceof ApiError && error.isNetwork && loadFamilySnapshot() !== null;
        // Back online: start again from the hub (a full reload keeps the boot path single).
        if (this.offline) window.addEventListener("online", () => location.reload(), { once: true });
      }
    }
    await vocabulary;
    this.booted = true;
    this.render();
    registerWorker();
  }

  /** Loads the catalogue (once; again after a failure). Without it labels fall back to readable codes. */
  private loadVocabulary(): Promise<void> {
    return loadCatalog().then(
      () => undefined,
      (error: unknown) => console.warn("Could not load the sensor catalogue", error),
    );
  }

  /** After a successful sign-in (or a still-valid cookie at boot). */
  async startSession(me: Me): Promise<void> {
    this.endSession();
    this.announcedLoad = false;
    // A gateway offers acknowledge only (no OpenAPI document to read).
    const caps = this.gateway ? Capabilities.none : await Capabilities.load();
    const live = new LiveAlerts(() => this.sessionExpired());
    const ctx: AppContext = {
      me,
      live,
      alarm: this.alarm,
      announcer: this.announcer,
      flow: workflow(caps),
      gateway: this.gateway,
      params: [],
      nav: this.routes().filter((r) => allowed(r, me)).map((r) => ({ path: r.path, title: this.titleOf(r) })),
      signOut: () => this.signOut(),
    };
    this.session = ctx;
    void this.loadVocabulary();
    this.sessionCleanup.push(live.store.subscribe((change) => this.onAlertsChanged(live, change)));
    this.sessionCleanup.push(live.onPaged((page) => this.onPaged(page)));
    initLanguage(me.language);
    // The language follows the user: a choice made with the switch is saved to the profile.
    this.sessionCleanup.push(
      onLanguageChosen((lang) => {
        if (this.session === ctx && lang !== ctx.me.language) {
          ctx.me.language = lang;
          // The hub renders alert texts in the profile's language: once it has the new one, a new live feed (a new
          // connection and a fresh list) brings every alert in it.
          void saveLanguage(lang)
            .catch((error: unknown) => console.warn("Could not save the language", error))
            .then(async () => {
              if (this.session !== ctx) return;
              await this.startSession(ctx.me);
              this.render(true);
            });
        }
      }),
    );
    live.start();
  }

  /** Called on any 401 from the API or the hub. */
  sessionExpired(): void {
    if (!this.session) return;
    this.endSession();
    clearFamilySnapshot();
    this.loginNotice = "login.expired";
    this.render();
  }

  private async signOut(): Promise<void> {
    this.endSession();
    clearFamilySnapshot();
    try {
      await logout();
    } catch {
      // The cookie may already be gone; signing out locally is what matters.
    }
    this.navigate("login");
  }

  /** Changes the route; the hashchange event renders, or we do when the hash is already there. */
  private navigate(path: string): void {
    if (location.hash === `#/${path}`) this.render();
    else location.hash = `#/${path}`;
  }

  /** The first page this user may open (family → family page, technician → devices). */
  private home(): string {
    const me = this.session?.me;
    return (me && this.routes().find((r) => allowed(r, me))?.path) ?? DEFAULT_ROUTE;
  }

  /** At a gateway the duty room has its local board and nothing else (the rest is the hub's). */
  private routes(): readonly Route[] {
    return this.gateway ? routes.filter((r) => r.path === "board") : routes;
  }

  private titleOf(route: Route): MessageKey {
    return this.gateway && route.path === "board" ? "gateway.boardTitle" : route.title;
  }

  private endSession(): void {
    for (const cleanup of this.sessionCleanup) cleanup();
    this.sessionCleanup = [];
    if (this.session) void this.session.live.dispose();
    this.session = null;
    this.signInFailures = null;
    this.pages.clear();
    this.alarm.setActive(false);
    this.alarm.unmute();
    this.announcer.clear();
    document.title = t("app.name");
  }

  /** Sound, tab title and announcements follow the alert set, whichever page is open. */
  private onAlertsChanged(live: LiveAlerts, change: AlertChange): void {
    const waiting = live.store.count(needsAttention);
    this.pages.prune((id) => live.store.get(id));
    this.updateAlarm(change.added.some(needsAttention));
    const title = waiting > 0 ? `(${waiting}) ${t("app.boardTitle")} · ${t("app.name")}` : `${t("app.boardTitle")} · ${t("app.name")}`;
    if (document.title !== title) document.title = title;

    const firstLoad = change.updated.length === 0 && change.removed.length === 0 && !this.announcedLoad;
    if (firstLoad && live.store.isLoaded) {
      this.announcedLoad = true;
      this.announcer.say(t("announce.loaded", { count: live.store.size }));
      return;
    }
    for (const alert of change.added) {
      const params = { severity: severityLabel(alert.severity), kind: kindLabel(alert.kind), where: whereText(alert) };
      this.announcer.say(t("announce.new", params), alert.severity === "critical");
    }
    for (const { before, after } of change.updated) {
      if (before.status === "raised" && after.status !== "raised") {
        this.announcer.say(t("announce.acknowledged", { kind: kindLabel(after.kind), where: whereText(after) }));
      }
    }
    for (const alert of change.removed) {
      // At a gateway an alert leaves the local board when the hub has it, not because it was resolved.
      const key = alert.outcome === "handed_over" ? "gateway.handedOver" : "announce.resolved";
      this.announcer.say(t(key, { kind: kindLabel(alert.kind), where: whereText(alert) }));
    }
  }

  /** The alarm sounds while a critical alert waits for someone or a page is shown; something new breaks a mute. */
  private updateAlarm(somethingNew: boolean): void {
    const waiting = this.session?.live.store.count(needsAttention) ?? 0;
    this.alarm.setActive(waiting > 0 || this.pages.size > 0, somethingNew);
  }

  /** `Paged`: this user is on call for an alert. Shown, announced at once, and it sounds. */
  private onPaged(page: PageDto): void {
    // A page that crossed an acknowledgement on the way (the board already has the newer alert) is over.
    const now = this.session?.live.store.get(page.alert.id);
    if (now && now.status !== "raised") return;
    this.pages.add(page);
    this.announcer.say(pageText(page), true);
    this.updateAlarm(true);
  }

  /** "Show alert" on a page: the board, with that alert's card focused. */
  private showAlert(alertId: number): void {
    this.focusAlert = alertId;
    this.navigate("board");
  }

  /** Renders the current route. `keepFocus` restores focus to the same control (language switch). */
  render(keepFocus = false): void {
    const focusedId = keepFocus ? document.activeElement?.getAttribute("data-testid") : null;
    for (const view of this.mounted) view.dispose();
    this.mounted = [];

    const [path = "", ...params] = (location.hash.replace(/^#\/?/, "").split("?")[0] ?? "").split("/").filter((p) => p.length > 0);
    const main = h("main", { id: "main", class: "main", tabindex: "-1" });
    const skip = h("a", { class: "skip-link", href: "#main", onclick: skipToMain }, t("app.skipToContent"));

    if (!this.session && this.offline) {
      const view = offlineFamilyPage(loadFamilySnapshot());
      this.mounted.push(view);
      main.append(view.element);
      this.shell.replaceChildren(skip, main);
      document.title = `${t("app.familyTitle")} · ${t("app.name")}`;
    } else if (!this.session) {
      if (path && path !== "login") this.returnTo = [path, ...params].join("/");
      const view = loginPage({
        notice: this.loginNotice,
        gateway: this.gateway,
        onSignedIn: async (me) => {
          this.loginNotice = null;
          await this.startSession(me);
          this.signInFailures = me.failedSignIns ?? null;
          this.navigate(this.returnTo ?? this.home());
        },
      });
      this.mounted.push(view);
      main.append(view.element);
      this.shell.replaceChildren(skip, main);
      document.title = `${t("login.title")} · ${t("app.name")}`;
    } else {
      const ctx = this.session;
      const home = this.home();
      const route = this.routes().find((r) => r.path === path && allowed(r, ctx.me)) ?? this.routes().find((r) => r.path === home);
      if (!route) throw new Error("No default route");
      if (path !== route.path) history.replaceState(null, "", `#/${route.path}`);
      ctx.params = path === route.path ? params : [];
      const top = header(ctx, t(this.titleOf(route)), route.path);
      const page = route.view(ctx);
      this.mounted.push(top, page);
      if (this.signInFailures) main.append(this.failuresNotice(this.signInFailures));
      main.append(page.element);
      this.pages.render();
      this.shell.replaceChildren(skip, top.element, this.pages.element, main);
    }

    if (focusedId) {
      this.shell.querySelector<HTMLElement>(`[data-testid="${focusedId}"]`)?.focus();
    }
    if (this.focusAlert !== null) {
      const card = this.shell.querySelector<HTMLElement>(`[data-testid=alert-card][data-alert-id="${this.focusAlert}"]`);
      this.focusAlert = null;
      card?.scrollIntoView({ block: "center" });
      card?.focus();
    }
  }

  /** "3 failed sign-ins … from 203.0.113.7": the account's owner is the one who can tell an attack from a typo. */
  private failuresNotice(failures: SignInFailures): HTMLElement {
    const params = { count: failures.count, addresses: failures.addresses.join(", "), time: formatTime(failures.last) };
    return h(
      "div",
      { class: "form-notice signin-notice", role: "alert", "data-testid": "signin-failures" },
      h("p", {}, t(failures.count === 1 ? "signin.failuresOne" : "signin.failures", params)),
      h(
        "button",
        {
          type: "button",
          class: "btn btn--ghost",
          "data-testid": "signin-failures-dismiss",
          onclick: () => {
            this.signInFailures = null;
            this.render();
          },
        },
        t("signin.dismiss"),
      ),
    );
  }
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById("main")?.focus();
}
