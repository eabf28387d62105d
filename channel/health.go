package channel

// Worked tells a poller's log, when it keeps the channel's health (the
// app's log of a channel, which records each error as the channel's last
// error), that the channel has just worked: a poll answered, a mailbox
// read. The error then shows as past, with the time it stopped.
func Worked(log any) {
	if w, ok := log.(interface{ Worked() }); ok {
		w.Worked()
	}
}
