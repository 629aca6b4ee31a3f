ALTER TABLE "photos" ADD COLUMN "trashed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "purging_since" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "photos_trash_idx" ON "photos" USING btree ("trashed_at") WHERE trashed_at IS NOT NULL;