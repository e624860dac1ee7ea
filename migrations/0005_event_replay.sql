ALTER TABLE `event_failures` ADD `replayed_at` integer;--> statement-breakpoint
ALTER TABLE `event_failures` ADD `replay_result` text;