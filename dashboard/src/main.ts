// Entry point: start the shell once the page is parsed.
import { App } from "./app";
import { setUnauthorizedHandler } from "./api/http";

const root = document.getElementById("app");
if (!root) throw new Error("index.html must contain #app");

const app = new App(root);
setUnauthorizedHandler(() => app.sessionExpired());
void app.boot();
