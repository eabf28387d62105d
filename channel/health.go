package channel

import (
	"slices"

	"github.com/redazione/redazione"
)

// Worked tells a poller's log, when it keeps the channel's health (the
// app's log of a channel, which records each error as the channel's last
// error), that the channel has just worked: a poll answered, a mailbox
// read. The error then shows as past, with the time it stopped.
func Worked(log any) {
	if w, ok := log.(interface{ Worked() }); ok {
		w.Worked()
	}
}

// PolledKinds are the kinds of channel Redazione reads with a poller of its
// own (e-mail, Mastodon, a Telegram bot in polling mode, X's mentions,
// Bluesky's notifications and chats), which a channel added or changed
// wakes at once.
var PolledKinds = []redazione.ChannelKind{redazione.ChannelEmail, redazione.ChannelMastodon, redazione.ChannelTelegram,
	redazione.ChannelX, redazione.ChannelBluesky}

// Polled says whether kind is one of PolledKinds.
func Polled(kind redazione.ChannelKind) bool { return slices.Contains(PolledKinds, kind) }
