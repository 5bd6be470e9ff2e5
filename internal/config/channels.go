package config

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"mimbot/mim"
)

// platforms are the chat platforms a configuration can name.
func platforms() []string { return []string{"slack", "discord", "teams"} }

// channels reads stakeholders, digest, war_room and war_room_platforms.
func (r *reader) channels(n *yaml.Node, path string, cfg *mim.Config) {
	f := r.fields(n, path, "stakeholders", "digest", "war_room", "war_room_platforms")

	stakePath := join(path, "stakeholders")
	stake := r.fields(f["stakeholders"], stakePath, platforms()...)
	cfg.Stakeholders = map[string]string{}
	for _, platform := range platforms() {
		if id := r.text(stake[platform], join(stakePath, platform)); id != "" {
			cfg.Stakeholders[platform] = id
		}
	}

	cfg.Digest, cfg.DigestSpec = r.schedule(f["digest"], join(path, "digest"), cfg.Location, false)
	cfg.WarRoom = r.warRoom(f["war_room"], join(path, "war_room"))

	for _, it := range r.texts(f["war_room_platforms"], join(path, "war_room_platforms"), "[slack, discord, teams]") {
		switch {
		case !it.ok:
			continue
		case !slices.Contains(platforms(), it.value):
			r.addf(it.path, "%q is not a platform (use slack, discord or teams)", it.value)
		case slices.Contains(cfg.WarRoomPlatforms, it.value):
			r.addf(it.path, "%q is listed twice", it.value)
		default:
			cfg.WarRoomPlatforms = append(cfg.WarRoomPlatforms, it.value)
		}
	}
}
