package teams_test

import "mimbot/mim"

// giveTeamsIDs gives everyone a Teams id and Teams a stakeholders chat.
func giveTeamsIDs(cfg *mim.Config) {
	for k, p := range cfg.People {
		p.Teams = aad(k)
		cfg.People[k] = p
	}
	cfg.Stakeholders["teams"] = stakeholders
}
