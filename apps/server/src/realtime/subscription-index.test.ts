import { jobTopic, USER_JOBS_QUEUE } from "@rapidphoto/protocol";
import { describe, expect, it } from "vitest";
import { jobEvent, photoEvent } from "../../test/support/test-events.js";
import { parseDestination } from "./destinations.js";
import { type Subscriber, type Subscription, SubscriptionIndex } from "./subscription-index.js";

const JOB = "job_index0001";
const subscriber = (userId: string): Subscriber => ({ userId, deliver: () => {} });
function subscription(id: string, destination: string, owner: Subscriber): Subscription {
  const parsed = parseDestination(destination);
  if (!parsed) throw new Error(`bad destination ${destination}`);
  return { id, destination: parsed, subscriber: owner };
}

describe("subscription index", () => {
  it("routes job events to that job's topic and lifecycle events to the owner's queue", () => {
    const alice = subscriber("alice");
    const index = new SubscriptionIndex();
    const topic = subscription("t", jobTopic(JOB), alice);
    const queue = subscription("q", USER_JOBS_QUEUE, alice);
    index.add(topic);
    index.add(queue);

    expect([...index.match(photoEvent(JOB, "ph_1", 1))]).toEqual([topic]);
    expect([...index.match(jobEvent(JOB, 2))]).toEqual([topic, queue]);
    expect([...index.match(jobEvent("job_other0001", 1))]).toEqual([queue]);
  });

  it("never hands a job's events to a subscriber who is not the event's user", () => {
    // Even if an ownership check wrongly let bob subscribe to alice's job.
    const index = new SubscriptionIndex();
    index.add(subscription("t", jobTopic(JOB), subscriber("bob")));
    index.add(subscription("q", USER_JOBS_QUEUE, subscriber("bob")));
    expect([...index.match(jobEvent(JOB, 1, { userId: "alice" }))]).toEqual([]);
  });

  it("forgets removed subscriptions", () => {
    const index = new SubscriptionIndex();
    const topic = subscription("t", jobTopic(JOB), subscriber("alice"));
    index.add(topic);
    index.remove(topic);
    index.remove(topic);
    expect([...index.match(jobEvent(JOB, 1))]).toEqual([]);
    expect(index.size).toBe(0);
  });
});

describe("destinations", () => {
  it("knows the job topic and the user queue, nothing else", () => {
    expect(parseDestination(jobTopic(JOB))).toEqual({ kind: "job", name: jobTopic(JOB), jobId: JOB });
    expect(parseDestination(USER_JOBS_QUEUE)).toEqual({ kind: "user-jobs", name: USER_JOBS_QUEUE });
    for (const name of ["/topic/job/", "/topic/job/job_short", `${jobTopic(JOB)}/x`, "/user/queue/jobs/", ""]) {
      expect(parseDestination(name), name).toBeNull();
    }
  });
});
