import {
  DuplicateSizesRequest,
  DuplicateSizesResponse,
  JobId,
  JobListQuery,
  JobListResponse,
  JobView,
} from "@rapidphoto/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { currentUser, requireUser } from "../auth/auth-plugin.js";
import type { AuthService } from "../auth/auth-service.js";
import { ERROR_RESPONSES, SIGNED_IN } from "../http/openapi.js";
import type { UploadQueries } from "./upload-queries.js";

/** Upload jobs' read side (DESIGN §4), under /queries; the library's lists are in library/. */
export const queryRoutes: FastifyPluginAsyncZod<{ auth: AuthService; queries: UploadQueries }> = async (app, opts) => {
  const { queries } = opts;
  app.addHook("onRequest", requireUser(opts.auth));

  app.get(
    "/upload-jobs",
    {
      schema: {
        tags: ["uploads"],
        summary: "The user's upload jobs, most recently changed first (active: unfinished or finished in the last day)",
        security: SIGNED_IN,
        querystring: JobListQuery,
        response: { 200: JobListResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      queries.listJobs(currentUser(request).userId, {
        active: request.query.active === "true",
        limit: request.query.limit,
      }),
  );

  app.get(
    "/upload-jobs/:jobId",
    {
      schema: {
        tags: ["uploads"],
        summary: "One job with every photo's status and progress",
        security: SIGNED_IN,
        params: z.object({ jobId: JobId }),
        response: { 200: JobView, ...ERROR_RESPONSES },
      },
    },
    async (request) => queries.getJob(currentUser(request).userId, request.params.jobId),
  );

  // A POST only because up to 1,000 sizes do not fit a query string comfortably; it changes nothing.
  app.post(
    "/duplicate-sizes",
    {
      schema: {
        tags: ["uploads"],
        summary: "Which of these file sizes a photo of the user's has that a duplicate could be answered with",
        security: SIGNED_IN,
        body: DuplicateSizesRequest,
        response: { 200: DuplicateSizesResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => queries.duplicateSizes(currentUser(request).userId, request.body.bytes),
  );
};
