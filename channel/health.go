package channel

import "github.com/redazione/redazione"

// Worked tells a poller's log, when it keeps the channel's health (the
// app's log of a channel, which records each error as the channel's last
// error), that the channel has just worked: a poll answered, a mailbox
// read. The error then shows as past, with the time it stopped.
func Worked(log any) {
	if w, ok := log.(interface{ Worked() }); ok {
		w.Worked()
	}
}

// Polled says whether Redazione reads channels of the kind with a poller
// of its own (e-mail, Mastodon, a Telegram bot in polling mode), which a
// channel added or changed wakes at once.
func Polled(kind redazione.ChannelKind) bool {
	switch kind {
	case redazione.ChannelEmail, redazione.ChannelMastodon, redazione.ChannelTelegram:
		return true
	}
	return false
}
