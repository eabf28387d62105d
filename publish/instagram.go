package publish

import (
	"fmt"
	"regexp"
)

// Instagram's limits on a caption (Instagram Graph API, IG User Media:
// 2,200 characters, at most 30 hashtags and 20 @ tags).
const (
	InstagramMaxCaption  = 2200
	InstagramMaxHashtags = 30
	InstagramMaxMentions = 20
)

var (
	hashtagRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+`)
	mentionRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@])@[\p{L}\p{N}_.]+`)
)

// CheckInstagram is what Instagram itself would refuse in a post: one
// without an image (Instagram has no text posts), an image that is not
// JPEG (the only format the Content Publishing API takes), and a caption
// with too many hashtags or mentions. imageTypes are the post's images'
// content types, in order.
func CheckInstagram(text string, imageTypes []string) []Finding {
	var out []Finding
	if len(imageTypes) == 0 {
		out = append(out, Finding{Check: "instagram_image", Level: Block, Message: "Instagram pubblica solo post con almeno un'immagine: aggiungine una"})
	}
	for _, ct := range imageTypes {
		if ct != "image/jpeg" {
			out = append(out, Finding{Check: "instagram_image", Level: Block, Message: "Instagram accetta solo immagini JPEG: salva la foto come .jpg e caricala di nuovo"})
			break
		}
	}
	if n := len(hashtagRe.FindAllString(text, -1)); n > InstagramMaxHashtags {
		out = append(out, Finding{Check: "hashtags", Level: Block, Message: fmt.Sprintf("il testo ha %d hashtag: Instagram ne accetta al massimo %d", n, InstagramMaxHashtags)})
	}
	if n := len(mentionRe.FindAllString(text, -1)); n > InstagramMaxMentions {
		out = append(out, Finding{Check: "mentions", Level: Block, Message: fmt.Sprintf("il testo menziona %d account: Instagram ne accetta al massimo %d", n, InstagramMaxMentions)})
	}
	return out
}
