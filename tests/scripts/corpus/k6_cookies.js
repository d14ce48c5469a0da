// Mirrors grafana/k6 examples/cookies.js: request cookies that stay out of the VU jar,
// cookies a server sets landing in the VU jar, a local CookieJar, and cookiesForURL().
import http from "k6/http";
import { check, group } from "k6";

const BASE = __ENV.BASE || "http://127.0.0.1:8081";

export const options = { iterations: 1, maxRedirects: 3 };

function cookieHeader(res) {
  const pair = res.json().headers.find(([k]) => k.toLowerCase() === "cookie");
  return pair ? pair[1] : "";
}

export default function () {
  group("request cookies are not stored", () => {
    const res = http.get(`${BASE}/cookies`, { cookies: { name: "value1", name2: "value2" } });
    check(res, {
      "status is 200": (r) => r.status === 200,
      "both cookies sent": (r) => cookieHeader(r).includes("name=value1") && cookieHeader(r).includes("name2=value2"),
    });
    const jar = http.cookieJar().cookiesForURL(res.url);
    check(jar, { "vu jar has no 'name'": (c) => c.name === undefined });
  });

  group("server cookies go to the VU jar", () => {
    const res = http.get(`${BASE}/set-cookie`);
    check(res, {
      "status is 200": (r) => r.status === 200,
      "response lists sid": (r) => r.cookies.sid[0].value === "abc",
    });
    const jar = http.cookieJar().cookiesForURL(`${BASE}/`);
    check(jar, {
      "vu jar has sid": (c) => c.sid[0] === "abc",
      "vu jar has theme": (c) => c.theme[0] === "dark",
    });
    const next = http.get(`${BASE}/cookies`);
    check(next, { "jar cookies sent back": (r) => cookieHeader(r).includes("sid=abc") });
  });

  group("local jar", () => {
    const jar = new http.CookieJar();
    jar.set(`${BASE}/`, "local", "yes");
    const res = http.get(`${BASE}/cookies`, { jar });
    check(res, {
      "local cookie sent": (r) => cookieHeader(r) === "local=yes",
    });
    check(http.cookieJar().cookiesForURL(`${BASE}/`), {
      "vu jar has no local cookie": (c) => c.local === undefined,
    });
  });
}
