ALTER TABLE "photos" ADD COLUMN "declared_sha256" text;--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "sender_lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "photos_user_checksum_idx" ON "photos" USING btree ("user_id","checksum") WHERE checksum IS NOT NULL;--> statement-breakpoint
CREATE INDEX "photos_user_declared_sha256_idx" ON "photos" USING btree ("user_id","declared_sha256") WHERE declared_sha256 IS NOT NULL;