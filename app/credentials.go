package app

import (
	"context"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/meta"
)

// credentialsEvery is how often a channel's token is asked about.
const credentialsEvery = 6 * time.Hour

// checkCredentials asks Meta, for the channels not asked for a while, when
// their access token expires, so the channel page warns administrators in
// time; a token no longer valid becomes the channel's last error.
func (a *App) checkCredentials(ctx context.Context) {
	chs, err := a.DB.CredentialsToCheck(ctx, time.Now().Add(-credentialsEvery),
		redazione.ChannelWhatsApp, redazione.ChannelMessenger, redazione.ChannelInstagram)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("credentials check", "err", err)
		}
		return
	}
	for _, ch := range chs {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		expire, err := meta.TokenExpiry(cctx, nil, ch)
		cancel()
		if err != nil {
			a.log.Warn("channel credentials", "channel", ch.ID, "err", err)
			a.DB.ChannelError(ctx, ch.ID, err.Error())
			expire = ch.CredentialsExpireAt // as known before
		} else if !expire.IsZero() && time.Until(expire) < channel.CredentialsWarning {
			a.log.Warn("channel credentials expire soon", "channel", ch.ID, "expire_at", expire)
		}
		if err := a.DB.CredentialsChecked(ctx, ch.ID, expire); err != nil && ctx.Err() == nil {
			a.log.Warn("credentials check", "channel", ch.ID, "err", err)
		}
	}
}
