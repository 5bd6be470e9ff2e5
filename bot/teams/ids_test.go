package teams_test

import "mimbot/mim"

// giveTeamsIDs gives everyone a Teams id and Teams a stakeholders chat.
func giveTeamsIDs(cfg *mim.Config) {
	cfg.Stakeholders["teams"] = stakeholders
}
