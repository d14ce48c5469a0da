// Mirrors grafana/quickpizza k6/foundations/03.lifecycle.js: setup() probes the service and
// throws when it is down, hands data to every iteration, and teardown() reports at the end.
import http from "k6/http";
import { check } from "k6";

const SHOP = __ENV.SHOP || "http://127.0.0.1:8080";

export const options = {
  vus: 2,
  iterations: 4,
};

export function setup() {
  const res = http.get(`${SHOP}/products`);
  if (res.status !== 200) {
    throw new Error(`Got unexpected status code ${res.status} when trying to setup. Exiting.`);
  }
  return { ids: res.json().products.map((p) => p.id) };
}

export default function (data) {
  const id = data.ids[__ITER % data.ids.length];
  const res = http.get(`${SHOP}/products/${id}`);
  check(res, {
    "status is 200": (r) => r.status === 200,
    "right product": (r) => r.json().id === id,
  });
}

export function teardown(data) {
  console.log(`done with ${data.ids.length} products`);
}
