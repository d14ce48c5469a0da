import { add } from "./lib/math.js";
import { ready } from "./lib/tla.js";

const sum = await Promise.resolve(add(1, 2));

export default function () {
  console.log(`${ready} ${sum}`);
}
