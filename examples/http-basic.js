// k6/http basics: GET and POST, JSON selectors, checks, groups and the VU's cookie jar,
// against the example server (examples/http-server.rs). Start it, then run this:
//   cargo run --no-default-features --features quickjs --example http-server
//   rk6 run examples/http-basic.js            # BASE_URL=http://127.0.0.1:9000 for another port
import http from "k6/http";
import { check, group } from "k6";

const BASE = __ENV.BASE_URL || "http://127.0.0.1:8080";

export const options = { vus: 2, iterations: 10 };

export default function () {
  group("browse", () => {
    const list = http.get(`${BASE}/products`);
    check(list, {
      "list is 200": (r) => r.status === 200,
      "list has products": (r) => r.json("products.#") > 0,
    });
    // gjson selectors, as in k6: the first product over 10, by a query.
    const id = list.json("products.#(price>10).id");
    // http.url groups every product page under one name in the metrics.
    const item = http.get(http.url`${BASE}/products/${id}`);
    check(item, { "product has a name": (r) => typeof r.json("name") === "string" });
  });

  group("account", () => {
    const login = http.post(`${BASE}/login`, { user: `vu${__VU}` });
    check(login, { "logged in": (r) => r.status === 200 && r.json("token") !== undefined });
    // The session cookie login set is in the VU's jar and goes with this request.
    const me = http.get(`${BASE}/me`);
    check(me, { "session cookie sent": (r) => r.json("user") === `vu${__VU}` });
    // A jar of its own: this request carries no session, so the server refuses it
    // (expected here, so not counted in http_req_failed).
    const anonymous = http.get(`${BASE}/me`, {
      jar: new http.CookieJar(),
      responseCallback: http.expectedStatuses(401),
    });
    check(anonymous, { "no session, no entry": (r) => r.status === 401 });
  });
}
