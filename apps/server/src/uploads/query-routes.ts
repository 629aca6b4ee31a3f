import { JobId, JobListQuery, PhotoId, PhotoListQuery } from "@rapidphoto/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { currentUser, requireUser } from "../auth/auth-plugin.js";
import type { AuthService } from "../auth/auth-service.js";
import { parse } from "../http/validate.js";
import type { UploadQueries } from "./upload-queries.js";

/** Read side (DESIGN §4), under /queries. */
export async function queryRoutes(app: FastifyInstance, opts: { auth: AuthService; queries: UploadQueries }) {
  const { queries } = opts;
  app.addHook("preHandler", requireUser(opts.auth));

  app.get("/upload-jobs", async (request) => {
    const q = parse(JobListQuery, request.query);
    return queries.listJobs(currentUser(request).userId, { active: q.active === "true", limit: q.limit });
  });

  app.get("/upload-jobs/:jobId", async (request) =>
    queries.getJob(currentUser(request).userId, parse(z.object({ jobId: JobId }), request.params).jobId),
  );

  app.get("/photos", async (request) =>
    queries.listPhotos(currentUser(request).userId, parse(PhotoListQuery, request.query)),
  );

  app.get("/photos/:photoId", async (request) =>
    queries.getPhoto(currentUser(request).userId, parse(z.object({ photoId: PhotoId }), request.params).photoId),
  );
}
