import { expect, test } from "bun:test";
import { type Change, ChangeFeed } from "../src/changes.ts";

test("every listener hears a change, even when one before it throws; unsubscribed ones do not", () => {
  const feed = new ChangeFeed();
  const heard: Change[] = [];
  feed.subscribe(() => {
    throw new Error("listener bug");
  });
  const stop = feed.subscribe((c) => heard.push(c));
  feed.emit({ kind: "file", path: "a.txt", change: "written" });
  stop();
  feed.emit({ kind: "tools" });
  expect(heard).toEqual([{ kind: "file", path: "a.txt", change: "written" }]);
  expect(feed.listenerCount).toBe(1);
});
