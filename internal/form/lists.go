package form

// timezones is offered when a timezone select has no options of its own
// (FusionAuth's theme lists every zone; a shorter list keeps the page light).
// Any valid IANA zone is still accepted, and a stored zone missing here is
// added to the list when rendering.
var timezones = []string{
	"UTC",
	"Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Chicago",
	"America/Denver", "America/Halifax", "America/Los_Angeles", "America/Mexico_City",
	"America/New_York", "America/Phoenix", "America/Santiago", "America/Sao_Paulo",
	"America/St_Johns", "America/Toronto", "America/Vancouver",
	"Asia/Bangkok", "Asia/Dhaka", "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jakarta",
	"Asia/Jerusalem", "Asia/Karachi", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Manila",
	"Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Tehran", "Asia/Tokyo",
	"Atlantic/Reykjavik", "Australia/Adelaide", "Australia/Brisbane", "Australia/Perth",
	"Australia/Sydney", "Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Dublin",
	"Europe/Helsinki", "Europe/Istanbul", "Europe/Lisbon", "Europe/London", "Europe/Madrid",
	"Europe/Moscow", "Europe/Paris", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw",
	"Europe/Zurich", "Pacific/Auckland", "Pacific/Honolulu", "Pacific/Kiritimati",
}

// locales is offered for preferredLanguages when the field has no options.
// Any well-formed locale tag is accepted; stored ones missing here are added.
var locales = []string{
	"ar", "bg", "cs", "da", "de", "el", "en", "en_GB", "en_US", "es", "es_MX", "et", "fa",
	"fi", "fr", "fr_CA", "he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "nb",
	"nl", "pl", "pt", "pt_BR", "ro", "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk", "vi",
	"zh", "zh_CN", "zh_TW",
}
