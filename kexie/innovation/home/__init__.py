"""The enterprise's home (企业之家, ``innovation:my-enterprise``): its needs with matched experts and achievements,
点厨 from the same page, service records and ratings, enquiries on its needs."""
