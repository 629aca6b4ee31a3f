import {
  CreateJobRequest,
  FinalizeRequest,
  JobId,
  PhotoId,
  ProgressRequest,
  SignPartsRequest,
} from "@rapidphoto/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { currentUser, requireUser } from "../auth/auth-plugin.js";
import type { AuthService } from "../auth/auth-service.js";
import { parse } from "../http/validate.js";
import type { UploadService } from "./upload-service.js";

const PhotoParams = z.object({ photoId: PhotoId });
const JobParams = z.object({ jobId: JobId });

/** Upload commands (DESIGN §4), under /commands. */
export async function uploadRoutes(app: FastifyInstance, opts: { auth: AuthService; uploads: UploadService }) {
  const { uploads } = opts;
  app.addHook("preHandler", requireUser(opts.auth));

  app.post("/upload-jobs", async (request, reply) => {
    const result = await uploads.createJob(currentUser(request).userId, parse(CreateJobRequest, request.body));
    return reply.code(201).send(result);
  });

  app.post("/upload-jobs/:jobId/cancel", async (request) =>
    uploads.cancelJob(currentUser(request).userId, parse(JobParams, request.params).jobId),
  );

  app.post("/upload/progress", async (request, reply) => {
    const result = await uploads.reportProgress(currentUser(request).userId, parse(ProgressRequest, request.body));
    return reply.code(202).send(result);
  });

  app.post("/upload/:photoId/parts", async (request) => {
    const { photoId } = parse(PhotoParams, request.params);
    return uploads.signParts(currentUser(request).userId, photoId, parse(SignPartsRequest, request.body).partNumbers);
  });

  app.post("/upload/:photoId/sign", async (request) =>
    uploads.sign(currentUser(request).userId, parse(PhotoParams, request.params).photoId),
  );

  app.post("/upload/:photoId/finalize", async (request, reply) => {
    const { photoId } = parse(PhotoParams, request.params);
    const result = await uploads.finalize(currentUser(request).userId, photoId, parse(FinalizeRequest, request.body));
    return reply.code(202).send(result);
  });

  app.post("/upload/:photoId/cancel", async (request) =>
    uploads.cancelPhoto(currentUser(request).userId, parse(PhotoParams, request.params).photoId),
  );

  app.post("/upload/:photoId/retry", async (request) =>
    uploads.retryPhoto(currentUser(request).userId, parse(PhotoParams, request.params).photoId),
  );
}
